"""The organisation's facts, in one place: the 政协's full and short names, the township 党委 that runs 双比双争, the
组织人事部门 the award decisions are copied to, and the public address (what certificates' QR codes and the account
slips point to). Flush, never commit.

They live in the settings store (app.settings), each change in the audit log; the administrator sets them on
/setup/organisation or with `flask --app wsgi org set`. A fact left blank falls back to a default derived from the
others: the short name (XX县政协) and the 组织人事部门 (中共XX县委组织部) from the full name
(中国人民政治协商会议XX县委员会); the public address from the deployment's PUBLIC_BASE_URL. Naming the 政协 (and the
township 党委) also makes the root unit of each tree when there is none yet.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit
from app.extensions import db
from app.models import Unit, UnitKind, User
from app.settings import save_settings, stored

PUBLIC_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
_FULL_NAME = re.compile(r"^中国人民政治协商会议(.+?)委员会$")


@dataclass(frozen=True)
class Fact:
    """One fact: its settings key, its label and hint on the page and in `org show`, and its longest length."""

    key: str
    label: Any
    hint: Any
    max_length: int = 120


FACTS: dict[str, Fact] = {
    "full_name": Fact("org.full_name", _l("政协全称"),
                      _l("例如：中国人民政治协商会议××县委员会。“四个一”文件和荣誉证书的落款。")),
    "short_name": Fact("org.short_name", _l("政协简称"), _l("例如：××县政协。用在页面、账号通知单等处。")),
    "party_committee": Fact("org.party_committee", _l("镇党委全称（“双比双争”）"),
                            _l("例如：中共××镇委员会。“双比双争”文件和证书的落款；不开展“双比双争”可不填。")),
    "hr_department": Fact("org.hr_department", _l("组织人事部门"),
                          _l("表彰决定抄送的组织人事部门，例如：中共××县委组织部。")),
    "public_url": Fact("org.public_url", _l("公众访问地址"),
                       _l("群众扫描证书二维码查验、委员登录时打开的地址，例如 https://zx.example.gov.cn。必须是外网"
                          "（或本单位内网）能访问到的地址。"), 200),
}
KEYS = {name: fact.key for name, fact in FACTS.items()}


@dataclass(frozen=True)
class Organisation:
    """The facts in force: what was set, else the derived default ("" when there is none)."""

    full_name: str
    short_name: str
    party_committee: str
    hr_department: str
    public_url: str  # without a trailing slash

    def missing(self, party: bool) -> list[str]:
        """What must still be set before certificates can be printed and slips handed out, in words for the
        admin: the full name (the issuer), the public address and, when the county runs 双比双争, the 镇党委."""
        out = []
        if not self.full_name:
            out.append(_("政协全称（证书落款）"))
        if party and not self.party_committee:
            out.append(_("镇党委全称（“双比双争”证书落款）"))
        if not self.public_url:
            out.append(_("公众访问地址（证书二维码、委员登录地址）"))
        return out


def county_of(full_name: str) -> str:
    """XX县 of 中国人民政治协商会议XX县委员会; "" when the name is not written that way."""
    found = _FULL_NAME.match(full_name.strip())
    return found.group(1) if found else ""


def derived(values: Mapping[str, str]) -> dict[str, str]:
    """The default of each fact, given the ones set (`values` by fact name): what a blank field means."""
    county = county_of(values.get("full_name", ""))
    return {
        "full_name": "",
        "short_name": f"{county}政协" if county else "",
        "party_committee": "",
        "hr_department": f"中共{county}委组织部" if county else "",
        "public_url": str(current_app.config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/"),
    }


def stored_values() -> dict[str, str]:
    """The facts as set (by fact name); a fact never set is ""."""
    found = stored(KEYS.values())
    return {name: found.get(key, "") for name, key in KEYS.items()}


def current() -> Organisation:
    """The organisation as documents, slips and the set-up checklist see it."""
    values = stored_values()
    fallback = derived(values)
    return Organisation(**{name: (values[name] or fallback[name]).strip().rstrip("/") if name == "public_url"
                           else (values[name] or fallback[name]).strip() for name in FACTS})


def errors_of(values: Mapping[str, str]) -> dict[str, list[str]]:
    """What is wrong with facts about to be saved (by fact name), in Chinese; empty when they are fine."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        fact = FACTS.get(name)
        if fact is None:
            errors[name] = [_("没有这一项：%(name)s（可设置：%(names)s）", name=name, names="、".join(FACTS))]
        elif len(value) > fact.max_length:
            errors[name] = [_("最多 %(max)d 个字符。", max=fact.max_length)]
        elif any(ord(c) < 32 for c in value):
            errors[name] = [_("不能包含换行或控制字符。")]
        elif name == "public_url" and value and not PUBLIC_URL.match(value):
            errors[name] = [_("请填写以 http:// 或 https:// 开头的地址，例如 https://zx.example.gov.cn")]
    return errors


def save(values: Mapping[str, str], user: User | None, ip: str = "") -> dict[str, list[str]]:
    """Check and store the given facts (by fact name; "" clears one back to its default), each change audited.

    Returns errors by fact name and stores nothing when there is any."""
    cleaned = {name: (value or "").strip() for name, value in values.items()}
    if "public_url" in cleaned:
        cleaned["public_url"] = cleaned["public_url"].rstrip("/")
    errors = errors_of(cleaned)
    if errors:
        return errors
    save_settings({KEYS[name]: value for name, value in cleaned.items()}, user, ip=ip)
    root_units(user, ip)
    return {}


def root_units(user: User | None, ip: str = "") -> list[Unit]:
    """The tree's roots as the organisation names them, made when missing: the 政协 (under which the roster import
    makes 专委会, 界别 and 联络处) once its full name is set, and the township 党委 once its name is. Audited."""
    made = []
    org = current()
    for kind, name, prefix in ((UnitKind.CPPCC, org.short_name or org.full_name, "ZX"),
                               (UnitKind.PARTY_COMMITTEE, org.party_committee, "DW")):
        if not name or db.session.scalar(sa.select(Unit.id).where(Unit.kind == kind).limit(1)) is not None:
            continue
        taken = set(db.session.scalars(sa.select(Unit.code)))
        code = next(f"{prefix}{n:02d}" for n in range(100) if f"{prefix}{n:02d}" not in taken)
        unit = Unit(code=code, name=name[:80], kind=kind)
        db.session.add(unit)
        db.session.flush()
        audit.record(user, "create", "unit", unit.id, {"name": (None, unit.name), "kind": (None, kind.label)}, ip=ip)
        made.append(unit)
    return made
