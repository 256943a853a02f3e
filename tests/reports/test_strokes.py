"""Surname stroke order (按姓氏笔画排序): well-known counts, first strokes and orders, and a reproducible data file."""
from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from reports import strokes as st

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_strokes.py"
STROKE_DICT = Path("/usr/share/rime-data/stroke.dict.yaml")
UNIHAN = Path("/usr/share/unicode/Unihan_IRGSources.txt.bz2")


@pytest.mark.parametrize(("char", "count"), [
    ("王", 4), ("李", 7), ("张", 7), ("刘", 6), ("陈", 7), ("欧", 8), ("阳", 6), ("丁", 2), ("卜", 2), ("刁", 2),
    ("于", 3), ("马", 3), ("司", 5), ("诸", 10), ("葛", 12), ("范", 8), ("〇", 1),
])
def test_mainland_stroke_counts(char, count):
    assert st.strokes(char) == count
    assert len(st.sequence(char)) == count


@pytest.mark.parametrize(("char", "stroke"), [
    ("丁", "横"), ("卜", "竖"), ("刁", "折"), ("于", "横"), ("马", "折"), ("王", "横"), ("张", "折"), ("李", "横"),
    ("刘", "点"), ("陈", "折"), ("欧", "横"),
])
def test_first_strokes(char, stroke):
    assert st.first_stroke(char) == stroke


@pytest.mark.parametrize(("char", "wanted"), [
    ("阳", "zsszhh"),   # 阝 is 2 strokes on the mainland (the Taiwan table has zzsszhh)
    ("丁", "hs"),       # 竖钩 counts as 竖 (Taiwan table: hz)
    ("刘", "nhpnss"),   # 刂's 竖钩 too
    ("江", "nnhhsh"),   # 氵's 提 counts as 横 (Taiwan table: nnnhsh)
    ("刁", "zh"),       # 横折钩, 提
])
def test_sequences_follow_the_mainland_convention(char, wanted):
    assert st.sequence(char) == wanted


def test_same_count_is_decided_by_the_first_stroke_then_the_next():
    assert st.by_strokes(["刁", "卜", "丁"]) == ["丁", "卜", "刁"]       # 横 < 竖 < 折, all 2 strokes
    assert st.by_strokes(["李", "刘", "王"]) == ["王", "刘", "李"]       # 4 < 6 < 7
    assert st.by_strokes(["陈", "张", "李"]) == ["李", "张", "陈"]       # 7 strokes: 李 starts 横; 张 zh… < 陈 zs…


def test_a_mixed_list_in_official_order():
    names = ["欧阳明", "王五", "李四", "张三", "司马光", "丁一", "诸葛亮", "王"]
    assert st.by_strokes(names) == ["丁一", "王", "王五", "司马光", "李四", "张三", "欧阳明", "诸葛亮"]


def test_a_prefix_comes_first_and_the_key_compares_whole_characters_first():
    assert st.stroke_key("王") < st.stroke_key("王一") < st.stroke_key("王五")
    assert st.by_strokes(["王一", "王"]) == ["王", "王一"]
    # 己 已 巳 share count and sequence: code point decides, so the order is total and repeatable
    assert st.by_strokes(["巳", "已", "己"]) == sorted(["巳", "已", "己"])


def test_by_strokes_is_stable_takes_a_name_function_and_returns_a_new_list():
    people = [("张三", 1), ("王五", 2), ("张三", 3)]
    original = list(people)
    assert st.by_strokes(people, name=lambda p: p[0]) == [("王五", 2), ("张三", 1), ("张三", 3)]
    assert people == original


@pytest.mark.parametrize("name", ["Tom", "王 Tom", "阿依古丽·买买提", "李4", "", "   ", "\U0001F600", "王\x00"])
def test_odd_names_do_not_raise(name):
    assert isinstance(st.stroke_key(name), tuple)


def test_uncovered_characters_sort_after_every_chinese_one():
    assert st.by_strokes(["Zoe", "Anna", "龘", "一"]) == ["一", "龘", "Anna", "Zoe"]
    assert st.strokes("A") is None and st.sequence("A") is None and st.first_stroke("A") is None
    assert st.strokes("") is None and st.first_stroke("·") is None
    assert st.stroke_key(None) == ()


@pytest.mark.parametrize(("name", "wanted"), [
    ("欧阳明", "欧阳"), ("张三", "张"), ("司马光", "司马"), ("诸葛亮", "诸葛"), ("上官婉儿", "上官"), ("万俟卨", "万俟"),
    ("欧阳", "欧"), ("王", "王"), ("", ""), ("单雄信", "单"),
])
def test_surname(name, wanted):
    assert st.surname(name) == wanted


def test_the_committed_table_is_small_and_covers_the_unified_ideographs():
    data = st.DATA.read_bytes()
    assert len(data) < 1_000_000
    assert data[4:8] == b"\0\0\0\0"  # gzip mtime 0
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    chars = {row[0] for row in rows}
    assert all(chr(cp) in chars for cp in range(0x4E00, 0x9FA6))   # CJK Unified Ideographs (URO)
    assert all(chr(cp) in chars for cp in range(0x3400, 0x4DB6))   # Extension A
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)


def _build(out: Path) -> bytes:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True)
    return out.read_bytes()


def _sources_or_skip() -> None:
    if not (STROKE_DICT.exists() and UNIHAN.exists()):
        pytest.skip("needs the Debian packages rime-data-stroke and unicode-data (apt-get install -y ...)")


def _header(data: bytes) -> list[str]:
    return gzip.decompress(data).decode("utf-8").splitlines()[:3]


def test_the_generator_is_deterministic(tmp_path):
    _sources_or_skip()
    assert _build(tmp_path / "a.txt.gz") == _build(tmp_path / "b.txt.gz")


def test_the_generator_reproduces_the_committed_file(tmp_path):
    _sources_or_skip()
    built, committed = _build(tmp_path / "strokes.txt.gz"), st.DATA.read_bytes()
    if _header(built) != _header(committed):  # the header names the SHA-256 of each source
        pytest.skip("the installed Debian sources differ from those the committed file was built from")
    assert built == committed
