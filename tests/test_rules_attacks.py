"""Hostile rule files: YAML bombs, tags, huge numbers, deep nesting, huge files, and fuzzed text.

The only outcomes allowed are a RuleSet or a RuleError whose every line starts `<file>:<line>:<col>:`, reached
quickly and in bounded memory. Pure: no app, no database.
"""
from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.scoring import load_ruleset
from app.scoring.errors import RuleError
from app.scoring.rules import RuleSet

RULES = sorted((Path(__file__).resolve().parent.parent / "scoring_rules").glob("*.yaml"))
MEMBERS = next(p for p in RULES if p.name == "2025-四个一-委员.yaml")
POSITION = re.compile(r"^t\.yaml:\d+:\d+: \S")

LAUGHS = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
          + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
          + "j: [" + ", ".join(["*i"] * 9) + "]\n")
# each payload: (file bytes, a phrase its first error must contain)
PAYLOADS: dict[str, tuple[bytes, str]] = {
    "billion laughs": (LAUGHS.encode(), "锚点"),
    "alias without anchor": (b"name: *a\n", "别名"),
    "merge key": (b"a: {x: 1}\nb:\n  <<: {y: 2}\n", "不支持的标签"),
    "python apply": (b'name: !!python/object/apply:os.system ["echo pwned"]\n', "不支持的标签"),
    "python object new": (b"name: !!python/object/new:os.system [ls]\n", "不支持的标签"),
    "python name": (b"name: !!python/name:os.system\n", "不支持的标签"),
    "custom tag": (b"name: !custom x\n", "不支持的标签"),
    "verbatim tag": (b"name: !<tag:example.com,2000:x> y\n", "不支持的标签"),
    "binary tag": (b"name: !!binary aGVsbG8=\n", "不支持的标签"),
    "set tag": (b"kinds: !!set {a, b}\n", "不支持的标签"),
    "tag directive": (b"%TAG !e! tag:evil.com,2000:\n---\nname: !e!x y\n", "不支持的标签"),
    "deep flow lists": (b"name: " + b"[" * 100_000 + b"]" * 100_000, "嵌套层次过深"),
    "deep flow maps": (b"name: " + b"{a: " * 5_000 + b"}" * 5_000, "嵌套层次过深"),
    "deep block lists": (b"".join(b"  " * i + b"- \n" for i in range(200)), "嵌套层次过深"),
    "many nodes": (b"a: [" + b"1," * 400_000 + b"1]", "内容过多"),
    "many keys": (b"".join(f"k{i}: 1\n".encode() for i in range(60_000)), "内容过多"),
    "10 MB file": (b"# " + b"x" * (10 * 1024 * 1024), "文件过大"),
    "NUL byte": (b"name: a\x00b\n", "不可打印"),
    "UTF-16": ("name: 细则".encode("utf-16"), "UTF-8"),
    "Latin-1": ("name: caf\xe9".encode("latin-1"), "UTF-8"),
    "empty": (b"", "文件为空"),
    "only a comment": (b"# nothing\n", "文件为空"),
    "unclosed flow": (b"name: [a, b\n", "YAML 格式错误"),
    "document stream": (b"name: a\n---\nname: b\n", "YAML 格式错误"),
    "scalar root": (b"just text", "键值映射"),
    "list root": (b"- a\n- b\n", "键值映射"),
}
NUMBERS = ["1e400", "-1e400", "1e-400", "10000000000000000000000000000000000", "9999999999", ".inf", "-.inf",
           ".nan", ".NaN", "0x1F", "0o17", "1_000", "+.5", "1:30", "1.0000001", "~", "null", "[1]", "{a: 1}",
           "yes", "二十", '"20 分"', "2025-01-01"]


def load(data: bytes) -> RuleSet:
    return load_ruleset(data, "t.yaml")


def refused(data: bytes) -> RuleError:
    with pytest.raises(RuleError) as caught:
        load(data)
    return caught.value


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_a_hostile_rule_file_is_refused_with_a_position_quickly_and_in_bounded_memory(name):
    data, phrase = PAYLOADS[name]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = refused(data)
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert all(POSITION.match(line) for line in error.errors), error.errors[:3]
    assert phrase in error.errors[0], error.errors[:3]
    assert elapsed < 5, f"{name} took {elapsed:.1f} s"
    assert peak < 64 * 1024 * 1024 + 2 * len(data), f"{name} used {peak / 1e6:.0f} MB"


def test_the_bomb_is_refused_where_its_first_anchor_is():
    assert refused(PAYLOADS["billion laughs"][0]).errors[0].startswith("t.yaml:1:4: ")


def test_nesting_and_node_limits_name_the_place_they_are_crossed():
    assert refused(b"".join(b"  " * i + b"- \n" for i in range(200))).errors[0].startswith("t.yaml:41:")
    assert refused(b"".join(f"k{i}: 1\n".encode() for i in range(60_000))).errors[0].startswith("t.yaml:10000:")


def test_a_tag_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    refused(f'name: !!python/object/apply:os.system ["touch {marker}"]\n'.encode())
    refused(f'name: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ["{marker}"]]\n'
            .encode())
    assert not marker.exists()


@pytest.mark.parametrize("value", NUMBERS)
def test_a_huge_or_odd_number_where_points_are_expected_is_refused_at_its_cell(value):
    text = MEMBERS.read_bytes()
    line = text[:text.index(b"points: 20")].count(b"\n") + 1
    error = refused(text.replace(b"points: 20", b"points: " + value.encode(), 1))
    assert len(error.errors) == 1 and error.errors[0].startswith(f"t.yaml:{line}:"), error.errors


@pytest.mark.parametrize("key", ["year", "precision", "base", "cap"])
@pytest.mark.parametrize("value", ["1e400", ".inf", ".nan", "10000000000000000000000000000000000"])
def test_huge_numbers_in_top_level_settings_are_refused(key, value):
    text = re.sub(rf"(?m)^{key}:.*$", f"{key}: {value}", MEMBERS.read_text("utf-8"), count=1)
    if f"{key}: {value}" not in text:
        text = text.replace("\nkinds:", f"\n{key}: {value}\nkinds:", 1)
    error = refused(text.encode())
    assert all(POSITION.match(line) for line in error.errors) and any(key in e for e in error.errors), error.errors


# --- fuzzing --------------------------------------------------------------------------------------------------

def _outcome_is_clean(data: bytes) -> None:
    try:
        assert isinstance(load(data), RuleSet)
    except RuleError as error:
        assert error.errors and all(POSITION.match(line) for line in error.errors), error.errors[:3]


FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
YAML_BITS = st.sampled_from(["&a ", "*a", "!!python/object/apply:os.system [ls]", "!x ", "<<: ", "[", "]", "{", "}",
                             ": ", "- ", "\t", "：", "\n", "  ", "#", "'", '"', "?", "|", ">", "---", "...", "%YAML 1.1",
                             "1e400", ".nan", "~", "\x00", "\ufeff", "\u2028", "null", "yes"])


@FUZZ
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400),
                 st.lists(st.one_of(YAML_BITS, st.text(max_size=8)), max_size=60).map("".join)))
def test_arbitrary_text_is_a_ruleset_or_a_positioned_error(text):
    _outcome_is_clean(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))


def _mutate(tree: object, path: list[int], replacement: object) -> object:
    """`tree` with the node reached by walking `path` (indices modulo each container's size) replaced."""
    if not path or not isinstance(tree, (dict, list)) or not tree:
        return replacement
    if isinstance(tree, dict):
        keys = list(tree)
        key = keys[path[0] % len(keys)]
        if len(path) == 1 and isinstance(replacement, str) and replacement.startswith("KEY:"):
            return {(replacement[4:] or "k") if k == key else k: v for k, v in tree.items()}
        return {**tree, key: _mutate(tree[key], path[1:], replacement)}
    index = path[0] % len(tree)
    return [*tree[:index], _mutate(tree[index], path[1:], replacement), *tree[index + 1:]]


SHIPPED = {path.name: yaml.safe_load(path.read_text("utf-8")) for path in RULES}
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                    st.sampled_from(["1e400", "1/0", "15%", "99999999999", "-0", "2025-02-30", "13-45", "KEY:",
                                     "KEY:name", "KEY:提案", "members", "total", "half_up"]))
REPLACEMENTS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                             st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                            max_leaves=6)


@FUZZ
@given(st.sampled_from(sorted(SHIPPED)), st.lists(st.lists(st.integers(0, 50), max_size=6), min_size=1, max_size=3),
       st.lists(REPLACEMENTS, min_size=3, max_size=3))
def test_mutated_shipped_rule_files_are_a_ruleset_or_a_positioned_error(name, paths, replacements):
    tree = SHIPPED[name]
    for path, replacement in zip(paths, replacements, strict=False):
        tree = _mutate(tree, path, replacement)
    _outcome_is_clean(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False).encode())


@FUZZ
@given(st.sampled_from(sorted(SHIPPED)), st.integers(0, 20_000), st.integers(0, 40),
       st.sampled_from(["", " ", "\t", ":", "：", "-", "&x ", "*x", "!!str ", "!t ", "[", "{", "\n", "#", "'", "1e400"]))
def test_shipped_rule_files_with_a_byte_range_spliced_are_a_ruleset_or_a_positioned_error(name, at, cut, insert):
    data = next(p for p in RULES if p.name == name).read_bytes()
    at %= len(data) + 1
    _outcome_is_clean(data[:at] + insert.encode() + data[at + cut:])
