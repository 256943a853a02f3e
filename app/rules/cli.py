"""`flask --app wsgi rules adopt|adopt-drafts|list|carry-forward`: the rule files in force, for scripted set-up. Each commits once."""
from __future__ import annotations

import sys
from pathlib import Path

import click

import sqlalchemy as sa

from app import rulefiles
from app.extensions import db
from app.models import RuleFile, RuleFileState


@click.command("adopt")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--note", default="", help="修改说明")
def adopt_command(files: tuple[str, ...], note: str) -> None:
    """Keep each FILE as the next version of its year's and subject's rules and put it in force (all or none)."""
    for name in files:
        path = Path(name)
        content = path.read_bytes()
        ruleset, problems = rulefiles.check(content, path.name)
        if ruleset is None:
            for p in problems:
                click.echo(f"{path.name}:{p.line}:{p.column}: {p.message}", err=True)
            db.session.rollback()
            click.echo(f"{path.name}: 共 {len(problems)} 处错误，未启用任何细则", err=True)
            sys.exit(1)
        kind = rulefiles.SUBJECT_KINDS[ruleset.subject]
        try:
            saved = rulefiles.save_version(ruleset.year, kind, path.name, content, None,
                                           f"命令行导入 {path.name}", note)
            replaced = rulefiles.adopt(saved, None)
        except rulefiles.RuleFileError as error:
            db.session.rollback()
            click.echo(f"{path.name}: {error}；未启用任何细则", err=True)
            sys.exit(1)
        was = f"替换第 {replaced.version} 版" if replaced is not None else "替换内置细则" if any(
            r.year == ruleset.year and r.subject == ruleset.subject for r in rulefiles.shipped()) else "新设"
        click.echo(f"{ruleset.year} 年度“{kind.label}”第 {saved.version} 版已启用（{was}）：{ruleset.name}")
    db.session.commit()


def _drafts(year: int | None) -> list[RuleFile]:
    """Each year's and subject's newest version when it is a draft newer than the one in force."""
    newest = sa.select(RuleFile.year, RuleFile.subject_kind, sa.func.max(RuleFile.version).label("version")).group_by(
        RuleFile.year, RuleFile.subject_kind)
    if year is not None:
        newest = newest.where(RuleFile.year == year)
    latest = newest.subquery()
    return list(db.session.scalars(sa.select(RuleFile).join(latest, sa.and_(
        RuleFile.year == latest.c.year, RuleFile.subject_kind == latest.c.subject_kind,
        RuleFile.version == latest.c.version)).where(RuleFile.state == RuleFileState.DRAFT).order_by(
        RuleFile.year.desc(), RuleFile.subject_kind)))


@click.command("adopt-drafts")
@click.argument("year", type=int)
@click.option("--subject", "subjects", multiple=True, type=click.Choice(sorted(rulefiles.SUBJECT_KINDS)),
              help="只启用这类考评对象的草稿(可重复;默认全部):members 委员, units 组织单位, branches 党支部, "
                   "party-members 党员")
def adopt_drafts_command(year: int, subjects: tuple[str, ...]) -> None:
    """Put in force YEAR's newest draft of each subject (e.g. the ones `years open` carried forward); all or none."""
    wanted = {rulefiles.SUBJECT_KINDS[s] for s in subjects}
    drafts = [d for d in _drafts(year) if not wanted or d.subject_kind in wanted]
    if not drafts:
        click.echo(f"{year} 年度没有待启用的草稿")
        return
    _adopt_all(drafts, "未启用任何细则")
    for draft in drafts:
        click.echo(f"{year} 年度“{draft.subject_kind.label}”第 {draft.version} 版已启用：{draft.filename}")
    db.session.commit()


def _adopt_all(versions: list[RuleFile], refused: str) -> None:
    """Put each version in force, or none: at the first one refused, roll back, say why and exit 1."""
    for version in versions:
        try:
            rulefiles.adopt(version, None)
        except rulefiles.RuleFileError as error:
            db.session.rollback()
            click.echo(f"{version.filename}: {error}；{refused}", err=True)
            sys.exit(1)


@click.command("list")
@click.option("--year", type=int, help="只列这一年度")
def list_command(year: int | None) -> None:
    """The rule files in force, by year and subject, and where each comes from; then the drafts not yet adopted."""
    found = sorted((r for r in rulefiles.in_force() if year is None or r.year == year),
                   key=lambda r: (-r.year, r.subject))
    drafts = _drafts(year)
    if not found:
        click.echo("没有施行中的细则")
    for ruleset in found:
        own = rulefiles.version_in_force(ruleset)
        source = f"本县第 {own.version} 版" if own is not None else "内置细则"
        kind = rulefiles.SUBJECT_KINDS[ruleset.subject]
        click.echo(f"{ruleset.year}\t{kind.label}\t{source}\t{ruleset.source_name}\t{ruleset.name}")
    for draft in drafts:
        click.echo(f"{draft.year}\t{draft.subject_kind.label}\t草稿第 {draft.version} 版（未启用）\t{draft.filename}")
    if drafts:
        click.echo("草稿检查无误后启用：flask --app wsgi rules adopt-drafts 年度（或在“评分细则”页面上比较后启用）")


@click.command("carry-forward")
@click.argument("from_year", type=int)
@click.argument("to_year", type=int)
@click.option("--adopt", "adopt_now", is_flag=True, help="转入后立即启用(默认只建草稿)")
def carry_forward_command(from_year: int, to_year: int, adopt_now: bool) -> None:
    """Drafts for TO_YEAR from FROM_YEAR's rule files in force, with only the year changed."""
    made = rulefiles.carry_forward(from_year, to_year, None)
    if not made:
        click.echo(f"{from_year} 年度没有可转入的细则，或 {to_year} 年度已有各考评对象的细则")
        return
    if adopt_now:
        _adopt_all(made, "未转入任何细则")
    for version in made:
        state = "已启用" if adopt_now else "草稿"
        click.echo(f"{to_year} 年度“{version.subject_kind.label}”第 {version.version} 版（{state}）：{version.filename}")
    db.session.commit()
