"""Backups sealed with the operator's key (FLASK_BACKUP_KEY): AES-256-GCM over the whole file, in chunks, so a
backup can be neither read nor changed without the key, in memory that does not grow with the backup. Pure: no
Flask, no database.

A sealed file is a 43-byte header, then frames:

    MAGIC (8 bytes) | key id (8) | salt (16) | nonce prefix (7) | chunk size (4, big-endian)
    frame 0 | frame 1 | ... | frame n          each frame: AES-GCM ciphertext of its chunk, then the 16-byte tag

Every frame but the last holds exactly `chunk size` bytes of plaintext; the last holds 0 to `chunk size`. The frames'
key is HKDF-SHA256(key, salt), fresh for each file; frame i's nonce is prefix | i (4 bytes) | 1 for the last frame,
else 0 (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, 2015); the header is each frame's
associated data. So a changed, dropped, reordered, repeated or cut-off frame, a frame taken from another backup
(another salt, so another frames' key) and a changed header all fail to authenticate.

The key id (an HMAC of a fixed text under the key, not the key) lets a restore say "made with another key" and
the operator tell their keys apart when rotating them.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SIYI-BK1"
KEY_BYTES = 32
TAG_BYTES = 16
CHUNK = 1 << 20  # plaintext bytes per frame
MAX_CHUNK = 16 << 20  # a header asking for bigger frames is refused before anything is read into memory
_HEADER = struct.Struct(">8s8s16s7sI")
HEADER_BYTES = _HEADER.size
_LAST_FRAME = (1 << 32) - 1


class SealError(Exception):
    """A sealed file that cannot be opened."""


class NotSealed(SealError):
    """Not a sealed backup (a plain zip, or something else)."""


class WrongKey(SealError):
    """Sealed with another key: `found` is the file's key id, `expected` the given key's."""

    def __init__(self, found: str, expected: str) -> None:
        super().__init__(f"sealed with key {found}, not {expected}")
        self.found, self.expected = found, expected


class NotAuthentic(SealError):
    """A frame or the header was changed, cut off, reordered or taken from another file."""


class InvalidKey(ValueError):
    """Text that is not a key made by `generate_key`."""


def generate_key() -> str:
    """A new random key, as the text to put in FLASK_BACKUP_KEY (URL-safe base64 of 32 bytes, 44 characters)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    """The key's 32 bytes.

    :raises InvalidKey: not URL-safe base64 of exactly 32 bytes.
    """
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidKey("not base64") from None
    if len(key) != KEY_BYTES:
        raise InvalidKey(f"{len(key)} bytes, not {KEY_BYTES}")
    return key


def key_id(key: bytes) -> str:
    """16 hex digits naming the key without revealing it."""
    return hmac.new(key, b"siyi-backup key id", hashlib.sha256).hexdigest()[:16]


def is_sealed(stream: BinaryIO) -> bool:
    """Whether `stream` (at its start; left there) begins like a sealed file."""
    start = stream.tell()
    head = stream.read(len(MAGIC))
    stream.seek(start)
    return head == MAGIC


def _frames_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"siyi-backup frames").derive(key)
    return AESGCM(derived)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= _LAST_FRAME:
        raise SealError("too many frames")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only, unseekable file object: what is written to it goes to `raw` sealed. `close()` (or leaving the
    `with` block without an error) writes the last frame; `raw` is left open. zipfile writes to it as to a pipe."""

    def __init__(self, raw: BinaryIO, key: bytes, chunk: int | None = None) -> None:
        self._raw, self._chunk = raw, chunk or CHUNK
        salt, self._prefix = os.urandom(16), os.urandom(7)
        self._header = _HEADER.pack(MAGIC, bytes.fromhex(key_id(key)), salt, self._prefix, self._chunk)
        self._aead = _frames_key(key, salt)
        self._buffer = bytearray()
        self._index = 0
        self.closed = False
        raw.write(self._header)

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed SealedWriter")
        self._buffer += data
        while len(self._buffer) > self._chunk:  # keep at least one byte back: only close() knows the last frame
            self._frame(bytes(self._buffer[:self._chunk]), last=False)
            del self._buffer[:self._chunk]
        return len(data)

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        if not self.closed:
            self._frame(bytes(self._buffer), last=True)
            self._buffer.clear()
            self.closed = True
            self._raw.flush()

    def _frame(self, plain: bytes, last: bool) -> None:
        self._raw.write(self._aead.encrypt(_nonce(self._prefix, self._index, last), plain, self._header))
        self._index += 1

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(self, kind: object, *_rest: object) -> None:
        if kind is None:
            self.close()


def unseal(source: BinaryIO, target: BinaryIO, key: bytes) -> int:
    """Write the plaintext of the sealed `source` (read from its start) to `target`, one frame at a time; the
    number of bytes written. Every frame is authenticated before it is written; an exception leaves `target` with
    a prefix of authentic plaintext, which the caller throws away.

    :raises NotSealed: not a sealed file. :raises WrongKey: sealed with another key.
    :raises NotAuthentic: anything changed, cut off or added (after the frames written so far).
    """
    header = source.read(HEADER_BYTES)
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise NotSealed("not a sealed backup")
    _magic, found, salt, prefix, chunk = _HEADER.unpack(header)
    if found.hex() != key_id(key):
        raise WrongKey(found.hex(), key_id(key))
    if not 0 < chunk <= MAX_CHUNK:
        raise NotAuthentic(f"frame size {chunk}")
    aead = _frames_key(key, salt)
    frame_bytes = chunk + TAG_BYTES
    frame = source.read(frame_bytes)
    index = written = 0
    while True:
        following = source.read(frame_bytes) if len(frame) == frame_bytes else b""
        last = not following
        try:
            plain = aead.decrypt(_nonce(prefix, index, last), frame, header)
        except InvalidTag:
            raise NotAuthentic(f"frame {index}") from None
        target.write(plain)
        written += len(plain)
        if last:
            return written
        frame, index = following, index + 1
