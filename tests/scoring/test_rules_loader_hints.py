"""The slips office staff make most are named plainly at the right line: a Tab, a full-width colon, 15%."""
from fractions import Fraction
from pathlib import Path

import pytest

from app.scoring import RuleError, load_ruleset

SOURCE = Path("scoring_rules/2025-四个一-委员.yaml").read_text(encoding="utf-8")
LINE = SOURCE[:SOURCE.index("        points: 10\n")].count("\n") + 1  # the first `points: 10`


def errors_of(text: str) -> list[str]:
    with pytest.raises(RuleError) as caught:
        load_ruleset(text.encode("utf-8"), "细则.yaml")
    return caught.value.errors


def test_a_full_width_colon_is_named_at_its_line():
    errors = errors_of(SOURCE.replace("        points: 10\n", "        points：10\n", 1))
    assert errors == [f"细则.yaml:{LINE}:15: 这里用了中文冒号“：”，请改为英文冒号“:”，冒号后加一个空格"]


def test_a_tab_is_named_at_its_line():
    errors = errors_of(SOURCE.replace("        points: 10\n", "\t\tpoints: 10\n", 1))
    assert errors == [f"细则.yaml:{LINE}:1: 这一行用了 Tab 键缩进，请全部改用空格缩进"]


def test_other_syntax_slips_say_what_is_likely_wrong_in_chinese():
    errors = errors_of(SOURCE.replace("        points: 10\n", "         points: 10\n", 1))
    assert len(errors) == 1 and errors[0].startswith(f"细则.yaml:{LINE}:")
    assert "缩进没有对齐" in errors[0]


@pytest.mark.parametrize(("written", "share"), [("15%", Fraction(3, 20)), ("12.5％", Fraction(1, 8)),
                                                ('"1/10"', Fraction(1, 10)), ("0.1", Fraction(1, 10))])
def test_a_share_may_be_written_as_a_percentage(written, share):
    ruleset = load_ruleset(SOURCE.replace('share: "1/10"', f"share: {written}").encode("utf-8"), "细则.yaml")
    assert ruleset.awards[0].quota.share == share


def test_a_share_over_100_percent_is_refused():
    errors = errors_of(SOURCE.replace('share: "1/10"', "share: 150%"))
    assert any("比例应在 0 与 1 之间" in e for e in errors)
