"""Sealing (app/backup_crypto.py), without a database: what is sealed comes back byte for byte with the key, and
any change, cut, addition, reordering, splice or other key is refused; memory does not grow with the file."""
from __future__ import annotations

import io
import os
import tracemalloc

import pytest

from app import backup_crypto as crypto

KEY = crypto.parse_key(crypto.generate_key())
CHUNK = 64  # small frames: a few hundred bytes make several


def sealed(data: bytes, key: bytes = KEY, chunk: int = CHUNK) -> bytes:
    out = io.BytesIO()
    with crypto.SealedWriter(out, key, chunk) as writer:
        for at in range(0, len(data), 37):  # written in odd pieces, as zipfile does
            writer.write(data[at:at + 37])
    return out.getvalue()


def unsealed(data: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    crypto.unseal(io.BytesIO(data), out, key)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])
def test_what_is_sealed_comes_back_with_the_key(size):
    data = os.urandom(size)
    made = sealed(data)
    assert made.startswith(crypto.MAGIC)
    assert size < 16 or data[:16] not in made
    assert unsealed(made) == data
    frames = max(1, -(-size // CHUNK))
    assert len(made) == crypto.HEADER_BYTES + size + frames * crypto.TAG_BYTES


def test_the_same_data_seals_differently_each_time():
    data = b"x" * 300
    assert sealed(data) != sealed(data) and unsealed(sealed(data)) == unsealed(sealed(data)) == data


def frames(made: bytes) -> tuple[bytes, list[bytes]]:
    size = CHUNK + crypto.TAG_BYTES
    body = made[crypto.HEADER_BYTES:]
    return made[:crypto.HEADER_BYTES], [body[at:at + size] for at in range(0, len(body), size)]


DATA = bytes(range(256)) * 2  # 8 frames of 64 bytes, the last one full


def damaged() -> dict[str, bytes]:
    made = sealed(DATA)
    header, parts = frames(made)
    other_header, other_parts = frames(sealed(DATA))
    flipped = {f"byte {at} changed": made[:at] + bytes([made[at] ^ 1]) + made[at + 1:]
               for at in (9, 20, 40, crypto.HEADER_BYTES, len(made) // 2, len(made) - 1)}
    return {**flipped,
            "cut at a frame boundary": header + b"".join(parts[:-1]),
            "cut inside a frame": made[:-5],
            "last frame dropped and the one before kept": header + b"".join(parts[:-2]) + parts[-1],
            "a frame added": made + parts[2],
            "bytes added": made + b"\0",
            "two frames swapped": header + b"".join([parts[1], parts[0], *parts[2:]]),
            "a frame repeated": header + b"".join([parts[0], *parts]),
            "another file's frames": header + b"".join(other_parts),
            "another file's header": other_header + b"".join(parts),
            "a frame from another file": header + b"".join([parts[0], other_parts[1], *parts[2:]]),
            "header only": header,
            "chunk size changed": made[:39] + (CHUNK * 2).to_bytes(4, "big") + made[43:]}


@pytest.mark.parametrize("name", list(damaged()))
def test_any_change_is_refused(name):
    refusal = crypto.WrongKey if name == "byte 9 changed" else crypto.NotAuthentic  # byte 9: in the key id
    with pytest.raises(refusal):
        unsealed(damaged()[name])


def test_another_key_is_named_not_tried():
    other = crypto.parse_key(crypto.generate_key())
    with pytest.raises(crypto.WrongKey) as refused:
        unsealed(sealed(DATA), other)
    assert (refused.value.found, refused.value.expected) == (crypto.key_id(KEY), crypto.key_id(other))


def test_a_forger_naming_our_key_id_is_refused():
    forged = bytearray(sealed(DATA, crypto.parse_key(crypto.generate_key())))
    forged[8:16] = bytes.fromhex(crypto.key_id(KEY))
    with pytest.raises(crypto.NotAuthentic):
        unsealed(bytes(forged))


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04" + bytes(100), b"SIYI-BK"])
def test_what_is_not_sealed_says_so(data):
    assert not crypto.is_sealed(io.BytesIO(data))
    with pytest.raises(crypto.NotSealed):
        unsealed(data)


def test_a_header_asking_for_huge_frames_is_refused_before_reading_them():
    made = bytearray(sealed(DATA))
    made[39:43] = (1 << 31).to_bytes(4, "big")
    with pytest.raises(crypto.NotAuthentic, match="frame size"):
        unsealed(bytes(made))


@pytest.mark.parametrize("text", ["", "abc", "not base64!", "QUFB", crypto.generate_key()[:-2], "é" * 44],
                         ids=["empty", "short", "not-base64", "too-few-bytes", "a-key-cut-short", "not-ascii"])
def test_only_a_generated_key_is_a_key(text):
    with pytest.raises(crypto.InvalidKey):
        crypto.parse_key(text)


def test_keys_are_random_and_their_ids_reveal_nothing_of_them():
    keys = {crypto.generate_key() for _ in range(20)}
    assert len(keys) == 20 and all(len(k) == 44 for k in keys)
    key = crypto.parse_key(next(iter(keys)))
    assert len(crypto.key_id(key)) == 16 and crypto.key_id(key) not in key.hex()


def test_memory_does_not_grow_with_the_file(tmp_path):
    """40 MiB sealed and unsealed through files with the real 1 MiB frames: Python's peak stays near a few frames."""
    plain, made, back = tmp_path / "plain", tmp_path / "sealed", tmp_path / "back"
    with plain.open("wb") as out:
        for _ in range(40):
            out.write(os.urandom(1 << 20))
    tracemalloc.start()
    try:
        with plain.open("rb") as source, made.open("wb") as raw, crypto.SealedWriter(raw, KEY) as writer:
            while block := source.read(256 << 10):
                writer.write(block)
        with made.open("rb") as source, back.open("wb") as out:
            crypto.unseal(source, out, KEY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert back.read_bytes() == plain.read_bytes()
    assert peak < 8 << 20, peak
