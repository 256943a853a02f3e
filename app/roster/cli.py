"""`flask import roster FILE [--sheet NAME] [--dry-run] [--create-units] [--mapping JSON] [--choose ROW=…]`.

The office's own roster, read as the web reads it (app/roster/services.py), with the same remembered column choices.
All or nothing: anything unsettled (a column it cannot place, a row it cannot tell who it is, a unit the system lacks
without --create-units, a bad cell) is printed as `FILE:sheet:row:column: 原因` with what to do, and exits 1. Acts for
the office (the whole county).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from app.extensions import db
from app.imports.cli import progress_bar
from app.roster import mapping as remembered_mapping
from app.roster.matching import NEW, SKIP_ROW
from app.roster.services import Options, RosterOutcome, run_roster
from app.spreadsheets.roster import LABELS
from app.spreadsheets.rows import where

ANSWER_WORDS = {"新增": NEW, "new": NEW, "不导入": SKIP_ROW, "skip": SKIP_ROW}


def _mapping(text: str | None) -> dict[str, str]:
    """--mapping: a JSON object (or a JSON file's path) of header → field (key, label or 不导入)."""
    if not text:
        return {}
    if not text.lstrip().startswith("{") and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8-sig")
    try:
        found = json.loads(text)
    except ValueError as error:
        raise click.BadParameter(f"不是有效的 JSON:{error}") from None
    if not isinstance(found, dict):
        raise click.BadParameter('应为 JSON 对象，如 {"籍贯": "不导入", "手机号": "联系电话"}')
    out = {}
    for header, choice in found.items():
        key = remembered_mapping.parse_choice(str(choice))
        if key is None:
            raise click.BadParameter(f"“{choice}”不是可选的字段（可选：{'、'.join(LABELS.values())}）")
        out[str(header)] = key
    return out


def _answers(items: tuple[str, ...]) -> dict[int, str]:
    out = {}
    for item in items:
        row, _, choice = item.partition("=")
        if not row.strip().isdigit() or not choice.strip():
            raise click.BadParameter(f"“{item}”应写作 行号=委员编号、行号=新增 或 行号=不导入，如 12=W0047")
        out[int(row)] = ANSWER_WORDS.get(choice.strip(), choice.strip())
    return out


@click.command("roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--sheet", default=None, help="读取哪个工作表（默认：第一个像名册的表）/ The sheet to read.")
@click.option("--dry-run", is_flag=True, help="只检查、列出将新增和修改的委员，不写入 / Check only, write nothing.")
@click.option("--create-units", is_flag=True, help="新建文件中有、系统中没有的界别、专委会、联络处 / Create unknown units.")
@click.option("--mapping", "mapping_text", default=None,
              help='列的对应（JSON 或 JSON 文件）：{"籍贯": "不导入", "手机号": "联系电话"}；导入后记住 / Column choices.')
@click.option("--choose", multiple=True, metavar="ROW=CODE|新增|不导入",
              help="同名等无法确定的行是哪一位委员，如 --choose 12=W0047 / Settle an ambiguous row.")
@click.option("--verbose", "-v", is_flag=True, help="也列出不变的行 / List unchanged rows too.")
def roster_command(file: str, sheet: str | None, dry_run: bool, create_units: bool, mapping_text: str | None,
                   choose: tuple[str, ...], verbose: bool) -> None:
    """导入办公室自己的委员名单(.xlsx/.xls/.ods/.csv)/ Import the office's own roster, all or nothing."""
    options = Options(sheet=sheet, mapping=_mapping(mapping_text), answers=_answers(choose),
                      create_units=create_units)
    with progress_bar() as progress:
        outcome = run_roster(Path(file).read_bytes(), file, None, dry_run, options, progress)
    for note in outcome.notes:
        click.echo(f"注意：{note}", err=True)
    if not outcome.ok:
        db.session.rollback()
        for line in _unsettled(outcome):
            click.echo(line, err=True)
        click.echo(f"{outcome.file}: {outcome.summary()}", err=True)
        sys.exit(1)
    _list(outcome, dry_run or verbose, verbose)
    if dry_run:
        db.session.rollback()
    else:
        if options.mapping:
            remembered_mapping.remember(options.mapping, None)
            click.echo(f"已记住列的对应：{remembered_mapping.describe(options.mapping)}")
        db.session.commit()
    click.echo(f"{outcome.file}: {outcome.summary()}")


def _unsettled(outcome: RosterOutcome) -> list[str]:
    """Every problem, unplaced column and open question, each with what to do."""
    lines = list(outcome.errors)
    fields = "、".join(LABELS.values())
    for column in outcome.unplaced:
        at = where(outcome.file, outcome.sheet, outcome.header_row, column.header)
        if column.how == "conflict":
            lines.append(f"{at}: 与其他列都对应“{LABELS.get(column.key or '', column.key)}”，只能保留一列："
                         f"用 --mapping '{{\"{column.remember_as}\": \"不导入\"}}' 去掉多余的一列")
        else:
            samples = f"（如：{'、'.join(column.samples)}）" if column.samples else ""
            lines.append(f"{at}: 无法识别这一列{samples}：用 --mapping '{{\"{column.remember_as}\": \"不导入\"}}' "
                         f"或填某个字段指明；可填：{fields}")
    if any("确认新建这个单位" in e for e in outcome.errors):
        lines.append(f"{outcome.file}: 文件中有系统中没有的单位：核对名称无误后，加 --create-units 再导入，即新建这些单位")
    name_header = next((c.header for c in outcome.columns if c.key == "name"), "姓名")
    for question in outcome.open_questions:
        options = "；".join(f"{code}（{label}）" for code, label in question.candidates)
        lines.append(f"{where(outcome.file, outcome.sheet, question.row, name_header)}: {question.reason}"
                     f"[这一行：{question.about}]{'；系统中：' + options if options else ''}。"
                     f"用 --choose {question.row}=编号、--choose {question.row}=新增 或 --choose {question.row}=不导入 "
                     f"指明，或在文件中加一列“委员编号”写明已有委员的编号")
    return lines


def _list(outcome: RosterOutcome, changes: bool, same: bool) -> None:
    for unit in outcome.new_units:
        click.echo(f"{'将新建' if outcome.dry_run else '已新建'} {unit.kind.label} {unit.name}"
                   f"{'（' + unit.code + '）' if unit.code else ''}")
    if not changes:
        return
    for item in outcome.planned:
        if item.action == "不变" and not same:
            continue
        detail = "、".join(f"{label} {before + ' → ' if before else ''}{after or '（清空）'}"
                          for label, before, after in outcome.changes.get(item.row, []))
        click.echo(f"{where(outcome.file, item.sheet, item.row)}: {item.action} {item.what}"
                   f"{'（' + detail + '）' if detail else ''}")
