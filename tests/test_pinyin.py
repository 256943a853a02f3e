"""Search keys for names: initials and readings, every reading of a polyphonic surname. Pure: no database."""
import pytest

from app.pinyin import as_pinyin_query, initials, readings, search_key


@pytest.mark.parametrize(("name", "wanted"), [
    ("张三", "zs"), ("单雄信", "sxx"), ("曾国藩", "zgf"), ("解缙", "xj"), ("仇英", "qy"), ("欧阳修", "oyx"),
])
def test_initials_include_the_surname_reading(name, wanted):
    assert wanted in initials(name)


@pytest.mark.parametrize(("name", "wanted"), [("单雄信", "shanxiongxin"), ("曾国藩", "zengguofan"),
                                              ("解缙", "xiejin"), ("张三", "zhangsan")])
def test_full_readings_include_the_surname_reading(name, wanted):
    assert wanted in readings(name)


def test_search_key_is_delimited_so_a_query_matches_from_the_start_of_a_reading():
    key = search_key("张三")
    assert key.startswith("|") and key.endswith("|")
    assert "|zs" in key and "|zhang" in key
    assert "|s" not in key.replace("|zs", "")


@pytest.mark.parametrize(("text", "query"), [("zs", "zs"), (" ZS ", "zs"), ("zhang san", "zhangsan"),
                                             ("张三", None), ("z%", None), ("", None)])
def test_only_letters_are_a_pinyin_query(text, query):
    assert as_pinyin_query(text) == query
