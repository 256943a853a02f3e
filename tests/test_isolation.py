"""The test harness itself (conftest.Databases): whatever a test writes, committed or not, the next test never sees,
and new rows get the ids they would get in a fresh copy of the snapshot, on SQLite and on PostgreSQL alike. The tests
run in this file's order, each pair a write and a look afterwards."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Member, Unit, UnitKind

written: dict[str, int] = {}


def add_unit(name: str) -> int:
    unit = Unit(code=name, name=name, kind=UnitKind.CPPCC)
    db.session.add(unit)
    db.session.commit()
    return unit.id


def units() -> list[str]:
    return list(db.session.scalars(sa.select(Unit.name).order_by(Unit.id)))


def test_a_write_on_the_empty_schema(app):
    assert units() == []
    written["empty"] = add_unit("甲")


def test_is_gone_from_the_next_test_and_the_ids_start_again(app):
    assert units() == []
    assert add_unit("乙") == written["empty"] == 1


@pytest.mark.commits
def test_a_write_that_really_commits(app):
    assert units() == []
    written["committed"] = add_unit("丙")


def test_is_gone_too(app):
    assert units() == []
    assert add_unit("丁") == written["committed"] == 1


def test_a_write_on_the_demo_county(demo):
    written["demo units"] = len(units())
    written["demo"] = add_unit("戊")
    db.session.execute(sa.update(Member).where(Member.id == 1).values(name="改过的名字"))
    db.session.commit()


def test_the_demo_county_is_whole_again_and_gives_the_same_id(demo):
    assert len(units()) == written["demo units"] and "戊" not in units()
    assert db.session.get(Member, 1).name != "改过的名字"
    assert add_unit("己") == written["demo"]
