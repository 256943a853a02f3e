"""The rule files in force (评分细则): the shipped files in SCORING_RULES_DIR, and the office's own versions kept in
the database (RuleFile), one 施行中 per year and subject kind, which takes the place of the shipped file of that year
and subject. Entry forms, imports and reviews all ask `in_force()`.

A saved version is never changed: editing saves a new one. Adopting (启用) a version makes it the one in force and
the version it replaces 已替换; reviews freeze the bytes they used, so adopting changes no review already run.
Flush, never commit.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.models import RuleFile, RuleFileState, SubjectKind, User
from app.paths import confined
from app.scoring import RuleError, RuleSet, load_ruleset
from app.timeutil import utcnow

# The rule language's `subject:` keys and the review subject kinds they score.
SUBJECT_KINDS = {"members": SubjectKind.MEMBERS, "units": SubjectKind.UNITS, "branches": SubjectKind.BRANCHES,
                 "party-members": SubjectKind.PARTY_MEMBERS}
SUBJECT_KEYS = {kind: key for key, kind in SUBJECT_KINDS.items()}
MAX_BYTES = 512 * 1024  # the shipped files are 10–20 KB; the loader bounds nesting and node counts itself

_shipped: dict[tuple[str, tuple[tuple[str, float], ...]], list[RuleSet]] = {}
_parsed: OrderedDict[tuple[str, str], RuleSet] = OrderedDict()  # (sha256, file name) → the parsed file, bounded


class RuleFileError(ValueError):
    """A version that may not be saved or adopted, with the reason in Chinese."""


@dataclass(frozen=True)
class Problem:
    """One mistake in a rule file, where it is (line and column from 1; 0 when the loader names no place)."""

    line: int
    column: int
    message: str


def shipped() -> list[RuleSet]:
    """The rule files shipped in SCORING_RULES_DIR, parsed once per set of file modification times."""
    directory = Path(current_app.config["SCORING_RULES_DIR"])
    files = tuple(sorted((p.name, os.stat(p).st_mtime) for p in directory.glob("*.yaml")))
    key = (str(directory), files)
    if key not in _shipped:
        _shipped.clear()
        _shipped[key] = [load_ruleset(directory / name) for name, _mtime in files]
    return _shipped[key]


def shipped_bytes(name: str) -> bytes | None:
    """A shipped file's bytes by its file name (a template for a new version); None for any other name."""
    directory = Path(current_app.config["SCORING_RULES_DIR"])
    if name not in {p.name for p in directory.glob("*.yaml")}:  # never a path built from what a user typed
        return None
    return confined(directory, name).read_bytes()


def in_force() -> list[RuleSet]:
    """Every rule file in force: for each year and subject, the version 施行中 if there is one, else the shipped
    file. One small query; the files themselves are parsed once per content."""
    active = db.session.execute(sa.select(RuleFile.id, RuleFile.filename, RuleFile.sha256).where(
        RuleFile.state == RuleFileState.ACTIVE).order_by(RuleFile.year, RuleFile.id)).all()
    mine = [_parse_stored(row.id, row.filename, row.sha256) for row in active]
    taken = {(r.year, r.subject) for r in mine}
    return [r for r in shipped() if (r.year, r.subject) not in taken] + mine


def _parse_stored(rule_file_id: int, filename: str, sha256: str) -> RuleSet:
    key = (sha256, filename)
    if key in _parsed:
        _parsed.move_to_end(key)
        return _parsed[key]
    content = db.session.scalar(sa.select(RuleFile.content).where(RuleFile.id == rule_file_id))
    ruleset = load_ruleset(content, filename)  # adopted only when it loaded: a RuleError here is a bug
    _parsed[key] = ruleset
    while len(_parsed) > 64:
        _parsed.popitem(last=False)
    return ruleset


def version_in_force(ruleset: RuleSet) -> RuleFile | None:
    """The office's version a rule file in force is (None: the shipped file)."""
    return db.session.scalar(sa.select(RuleFile).where(
        RuleFile.state == RuleFileState.ACTIVE, RuleFile.year == ruleset.year,
        RuleFile.subject_kind == SUBJECT_KINDS.get(ruleset.subject)))


def check(content: bytes, filename: str) -> tuple[RuleSet | None, list[Problem]]:
    """Load a rule file's text: the rule set, or every mistake at its line and column (`rules check`'s own)."""
    if len(content) > MAX_BYTES:
        return None, [Problem(0, 0, _("文件过大（超过 %(kb)s KB）", kb=MAX_BYTES // 1024))]
    try:
        return load_ruleset(content, filename), []
    except RuleError as error:
        return None, [_problem(line, filename) for line in error.errors]


def _problem(line: str, filename: str) -> Problem:
    rest = line[len(filename) + 1:] if line.startswith(filename + ":") else line
    found = re.match(r"(\d+):(\d+): ?(.*)", rest, re.S)
    if found is None:
        return Problem(0, 0, rest)
    return Problem(int(found[1]), int(found[2]), found[3])


def versions(year: int, subject_kind: SubjectKind) -> list[RuleFile]:
    """Every saved version of one year's and subject's rules, newest first."""
    return list(db.session.scalars(sa.select(RuleFile).where(
        RuleFile.year == year, RuleFile.subject_kind == subject_kind).order_by(RuleFile.version.desc())))


def save_version(year: int, subject_kind: SubjectKind, filename: str, content: bytes, user: User | None,
                 based_on: str = "", note: str = "") -> RuleFile:
    """Keep `content` as the next version (a draft) of `year`'s rules for `subject_kind`. It is kept even with
    mistakes in it (the office fixes them in the next save); only a version without mistakes can be adopted."""
    filename = _clean_filename(filename) or f"{year}-{SUBJECT_KEYS[subject_kind]}.yaml"
    if len(content) > MAX_BYTES:
        raise RuleFileError(_("文件过大（超过 %(kb)s KB）", kb=MAX_BYTES // 1024))
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleFileError(_("细则文件须为 UTF-8 编码的文本")) from None
    latest = db.session.scalar(sa.select(sa.func.max(RuleFile.version)).where(
        RuleFile.year == year, RuleFile.subject_kind == subject_kind)) or 0
    found = RuleFile(year=year, subject_kind=subject_kind, version=latest + 1, filename=filename, content=content,
                     sha256=hashlib.sha256(content).hexdigest(), state=RuleFileState.DRAFT, based_on=based_on[:200],
                     note=note[:200], created_by_id=user.id if user else None, created_at=utcnow())
    db.session.add(found)
    db.session.flush()
    audit.record(user, "create", "rule_file", found.id,
                 {"version": ("", f"{year} {subject_kind.label} 第{found.version}版 {filename}")})
    return found


def _clean_filename(name: str) -> str:
    """A file name as shown and used in messages: its last part, printable, ending in .yaml."""
    name = re.split(r"[\\/]", name or "")[-1].strip()
    name = "".join(c for c in name if c.isprintable())[:120]
    if name and not name.endswith((".yaml", ".yml")):
        name += ".yaml"
    return name


def adopt(rule_file: RuleFile, user: User | None) -> RuleFile | None:
    """Put a version in force for its year and subject; the version it replaces (returned) becomes 已替换.

    :raises RuleFileError: the version has mistakes, or declares another year or subject than it was saved for,
        or its file name is that of another rule file in force.
    """
    if rule_file.state == RuleFileState.ACTIVE:
        raise RuleFileError(_("该版本已在施行中"))
    ruleset, problems = check(rule_file.content, rule_file.filename)
    if ruleset is None:
        raise RuleFileError(_("该版本有 %(n)s 处错误，改正后才能启用", n=len(problems)))
    if ruleset.year != rule_file.year or SUBJECT_KINDS.get(ruleset.subject) != rule_file.subject_kind:
        raise RuleFileError(_("细则写的是 %(year)s 年度“%(subject)s”，与该版本所属的 %(own_year)s 年度“%(own)s”不符",
                              year=ruleset.year, subject=_subject_label(ruleset.subject), own_year=rule_file.year,
                              own=rule_file.subject_kind.label))
    others = {(r.source_name or r.name) for r in in_force() if (r.year, r.subject) != (ruleset.year, ruleset.subject)}
    if rule_file.filename in others:
        raise RuleFileError(_("已有另一份施行中的细则名为“%(name)s”，请换一个文件名另存", name=rule_file.filename))
    replaced = db.session.scalar(sa.select(RuleFile).where(
        RuleFile.year == rule_file.year, RuleFile.subject_kind == rule_file.subject_kind,
        RuleFile.state == RuleFileState.ACTIVE).with_for_update())
    if replaced is not None:
        replaced.state = RuleFileState.SUPERSEDED
        db.session.flush()  # the one-active index holds at every statement
    rule_file.state = RuleFileState.ACTIVE
    rule_file.adopted_by_id = user.id if user else None
    rule_file.adopted_at = utcnow()
    db.session.flush()
    before = f"第{replaced.version}版" if replaced is not None else _("内置细则")
    audit.record(user, "update", "rule_file", rule_file.id,
                 {"in_force": (before, f"{rule_file.year} {rule_file.subject_kind.label} 第{rule_file.version}版")})
    return replaced


def _subject_label(subject: str) -> str:
    kind = SUBJECT_KINDS.get(subject)
    return kind.label if kind is not None else subject


def carry_forward(from_year: int, to_year: int, user: User | None) -> list[RuleFile]:
    """Drafts for `to_year` from every rule file in force for `from_year`, with the year changed and nothing else
    (the file's `year:`, the year in its `name:` and in its `published_on` / `effective_from` dates; periods are
    written as month-day). A subject that already has a version for `to_year` is left alone."""
    made = []
    for ruleset in sorted((r for r in in_force() if r.year == from_year), key=lambda r: r.subject):
        kind = SUBJECT_KINDS.get(ruleset.subject)
        if kind is None or versions(to_year, kind):
            continue
        own = version_in_force(ruleset)
        content = own.content if own is not None else shipped_bytes(ruleset.source_name or "")
        if content is None:
            continue
        name = (ruleset.source_name or f"{from_year}.yaml").replace(str(from_year), str(to_year))
        based_on = (_("%(year)s 年度第 %(n)s 版", year=from_year, n=own.version) if own is not None
                    else _("内置细则 %(name)s", name=ruleset.source_name))
        made.append(save_version(to_year, kind, name, with_year(content, from_year, to_year), user, based_on,
                                 _("由 %(year)s 年度细则转入", year=from_year)))
    return made


_TOP_LEVEL = re.compile(r"^(name|published_on|effective_from|year)(\s*:\s*)(.*)$")


def with_year(content: bytes, old: int, new: int) -> bytes:
    """The rule file's text with its own year changed from `old` to `new` in the top-level `year`, `name`,
    `published_on` and `effective_from`; comments and everything else as they were."""
    lines = content.decode("utf-8").split("\n")
    for i, line in enumerate(lines):
        found = _TOP_LEVEL.match(line)
        if found is None:
            continue
        value, comment = _split_comment(found[3])
        if found[1] == "year":
            value = re.sub(rf"\b{old}\b", str(new), value)
        else:
            value = value.replace(str(old), str(new))
        lines[i] = f"{found[1]}{found[2]}{value}{comment}"
    return "\n".join(lines).encode("utf-8")


def _split_comment(value: str) -> tuple[str, str]:
    """A plain YAML scalar and its trailing `  # comment` (kept apart so a year in a comment stays as written)."""
    found = re.search(r"\s+#", value)
    return (value, "") if found is None else (value[:found.start()], value[found.start():])
