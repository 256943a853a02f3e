"""`flask --app wsgi rules adopt|list|carry-forward`: the rule files in force, for scripted set-up. Each commits once."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from app import rulefiles
from app.extensions import db


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
            click.echo(f"{path.name}: 共 {len(problems)} 处错误,未启用任何细则", err=True)
            sys.exit(1)
        kind = rulefiles.SUBJECT_KINDS[ruleset.subject]
        try:
            saved = rulefiles.save_version(ruleset.year, kind, path.name, content, None,
                                           f"命令行导入 {path.name}", note)
            replaced = rulefiles.adopt(saved, None)
        except rulefiles.RuleFileError as error:
            db.session.rollback()
            click.echo(f"{path.name}: {error};未启用任何细则", err=True)
            sys.exit(1)
        was = f"替换第 {replaced.version} 版" if replaced is not None else "替换内置细则" if any(
            r.year == ruleset.year and r.subject == ruleset.subject for r in rulefiles.shipped()) else "新设"
        click.echo(f"{ruleset.year} 年度“{kind.label}”第 {saved.version} 版已启用({was}):{ruleset.name}")
    db.session.commit()


@click.command("list")
@click.option("--year", type=int, help="只列这一年度")
def list_command(year: int | None) -> None:
    """The rule files in force, by year and subject, and where each comes from."""
    found = sorted((r for r in rulefiles.in_force() if year is None or r.year == year),
                   key=lambda r: (-r.year, r.subject))
    if not found:
        click.echo("没有施行中的细则")
    for ruleset in found:
        own = rulefiles.version_in_force(ruleset)
        source = f"本县第 {own.version} 版" if own is not None else "内置细则"
        kind = rulefiles.SUBJECT_KINDS[ruleset.subject]
        click.echo(f"{ruleset.year}\t{kind.label}\t{source}\t{ruleset.source_name}\t{ruleset.name}")


@click.command("carry-forward")
@click.argument("from_year", type=int)
@click.argument("to_year", type=int)
@click.option("--adopt", "adopt_now", is_flag=True, help="转入后立即启用(默认只建草稿)")
def carry_forward_command(from_year: int, to_year: int, adopt_now: bool) -> None:
    """Drafts for TO_YEAR from FROM_YEAR's rule files in force, with only the year changed."""
    made = rulefiles.carry_forward(from_year, to_year, None)
    if not made:
        click.echo(f"{from_year} 年度没有可转入的细则,或 {to_year} 年度已有各考评对象的细则")
        return
    for version in made:
        if adopt_now:
            try:
                rulefiles.adopt(version, None)
            except rulefiles.RuleFileError as error:
                db.session.rollback()
                click.echo(f"{version.filename}: {error};未转入任何细则", err=True)
                sys.exit(1)
        state = "已启用" if adopt_now else "草稿"
        click.echo(f"{to_year} 年度“{version.subject_kind.label}”第 {version.version} 版({state}):{version.filename}")
    db.session.commit()
