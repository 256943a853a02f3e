"""`flask rules check|diff` and `flask score`: the office's rule and scoring commands (exit 1 on errors).

`score` and `rules diff` read the database's verified records, or with `--records FILE` a spreadsheet in the import
format (app/spreadsheets) and nothing from the database.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from app import scoring, spreadsheets
from app.reviews.scoring import SUBJECT_KINDS, Scored, as_json, awards, file_facts, result_rows, score_period
from app.text_table import text_table
from reports import cells

rules_cli = AppGroup("rules", help="评分细则：检查、比较、启用、转入下一年度 / Check, compare, adopt and carry forward rule files.")


def _load(path: str) -> scoring.RuleSet:
    try:
        return scoring.load_ruleset(Path(path))
    except scoring.RuleError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@rules_cli.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check(files: tuple[str, ...]) -> None:
    """Load each rule file; print OK or every error as FILE:LINE:COLUMN: 说明."""
    failed = False
    for path in files:
        try:
            ruleset = scoring.load_ruleset(Path(path))
        except scoring.RuleError as error:
            failed = True
            click.echo("\n".join(error.errors))
        else:
            click.echo(f"{path}: OK（{ruleset.name}，{len(ruleset.kinds)} 种记录，"
                       f"{sum(len(s.items) for s in ruleset.sections)} 个计分条目）")
    if failed:
        sys.exit(1)


def _term(records: str | None, start: dt.datetime | None, end: dt.datetime | None) -> scoring.TermSpan | None:
    """The 届 given by --term-start and --term-end (both or neither; only with --records)."""
    if start is None and end is None:
        return None
    if not records:
        click.echo("--term-start、--term-end 只与 --records 一起使用；数据库计分时用系统中设置的届", err=True)
        sys.exit(1)
    if start is None or end is None or start > end:
        click.echo("请同时写 --term-start 和 --term-end（届的第一天和最后一天，如 2022-01-10 和 2026-12-31）",
                   err=True)
        sys.exit(1)
    return scoring.TermSpan(start.date(), end.date())


def _scored(rules: str, period: str, records: str | None = None, term: scoring.TermSpan | None = None) -> Scored:
    """Score the database's verified facts, or with `records` a spreadsheet's (the database is not touched)."""
    ruleset = _load(rules)
    facts = None
    if records and ruleset.term_counts and term is None:
        click.echo(f"{rules}: 细则的“{'”“'.join(ruleset.term_counts)}”按届统计（window: term）：用表格计分时请用 "
                   f"--term-start 和 --term-end 写明所在届的起止日期，并在表中放入本届各年度的记录", err=True)
        sys.exit(1)
    if records:
        try:
            facts, notes = file_facts(Path(records), ruleset, term)
        except spreadsheets.SheetError as error:
            click.echo("\n".join(error.errors), err=True)
            click.echo(f"{Path(records).name}: 共 {len(error.errors)} 处错误，未计分", err=True)
            sys.exit(1)
        for note in notes:
            click.echo(f"提示：{note}", err=True)
    try:
        return score_period(ruleset, period, facts, term)
    except scoring.RuleError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


NOT_APPLICABLE = "不适用"  # a gate whose `when:` the subject does not meet
NOT_APPRAISED = "不参评"  # served part of the period and, by the rule file's `membership`, not appraised


def _grade(row: dict) -> str:
    return (row["grade"] or "") if row["appraised"] else NOT_APPRAISED

RECORDS_OPTION = click.option(
    "--records", type=click.Path(exists=True, dir_okay=False),
    help="用表格（.xlsx 或 .csv，导入格式）中的对象和记录计分，不读写数据库")


def term_options(command: Any) -> Any:
    """--term-start and --term-end: the 届 of a --records file, for rule files that count over the 届."""
    for name, what in (("--term-end", "最后一天（如 2026-12-31）"), ("--term-start", "第一天（如 2022-01-10）")):
        command = click.option(name, type=click.DateTime(formats=["%Y-%m-%d"]),
                               help=f"与 --records 一起用：所在届的{what}，细则按届统计时必填")(command)
    return command


@click.command("score")
@click.option("--rules", "rules", required=True, type=click.Path(exists=True, dir_okay=False), help="细则文件")
@click.option("--period", required=True, help="2025（全年总结）或 2025H1（半年小结）")
@click.option("--subject", type=click.Choice(list(SUBJECT_KINDS)),
              help="考评对象；缺省为细则中的 subject，两者须一致")
@RECORDS_OPTION
@term_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option("--explain", is_flag=True, help="列出每个计分条目、所依据的记录和封顶前后的分数")
def score_command(rules: str, period: str, subject: str | None, records: str | None, term_start: dt.datetime | None,
                  term_end: dt.datetime | None, fmt: str, explain: bool) -> None:
    """Score the database's verified records (or a spreadsheet's, --records) with a rule file, ranked and explained."""
    scored = _scored(rules, period, records, _term(records, term_start, term_end))
    if subject and subject != scored.ruleset.subject:
        click.echo(f"{rules}: 细则的考评对象是 {scored.ruleset.subject}，不是 {subject}", err=True)
        sys.exit(1)
    rows = result_rows(scored)
    if fmt == "json":
        click.echo(json.dumps(as_json(scored), ensure_ascii=False, indent=2))
        return
    gates = scored.ruleset.gates
    has_awards = bool(scored.ruleset.awards)
    noted = any(r["membership"] for r in rows)  # someone served part of the period, or has left
    header = ["名次", "编号", "姓名", "单位", "总分", "等次",
              *[f"一票否决：{g.label}" if g.veto else g.label for g in gates]]

    def gate_cells(row: dict, yes: str, no: str) -> list[str]:
        """One cell per declared gate; a gate whose `when:` leaves the subject out does not apply to it, nor does
        any to one not appraised (served part of the period)."""
        if not row["appraised"]:
            return [NOT_APPRAISED] * len(gates)
        met = {g["name"]: g["met"] for g in row["gates"]}
        return [NOT_APPLICABLE if g.name not in met else ("—" if met[g.name] else "否决") if g.veto
                else (yes if met[g.name] else no) for g in gates]

    if fmt == "csv":
        def lines() -> Iterator[list[Any]]:
            yield (header + (["表彰", "表彰说明"] if has_awards else []) + (["任职"] if noted else [])
                   + (["条目", "原始分", "计入分", "记录"] if explain else []))
            for row in rows:
                base = [row["rank"] or "", row["subject"]["id"], row["subject"]["name"], row["subject"]["unit"],
                        row["score"], _grade(row), *gate_cells(row, "是", "否"),
                        *(["、".join(a["label"] for a in row["awards"] if a["selected"]), _left_out(row)]
                          if has_awards else []), *([row["membership"]] if noted else [])]
                if not explain:
                    yield base
                for item in row["items"] if explain else ():
                    yield base + [item["rule"], item["raw"], item["points"], " ".join(map(str, item["records"]))]

        # names and units come from the file or the database: a name typed as =HYPERLINK(…) must not run in Excel
        cells.write_csv(sys.stdout, lines(), lineterminator="\n")
        return
    click.echo(f"{scored.ruleset.name} · {scored.period}({scored.period_key})· 共 {len(rows)} 个考评对象")
    click.echo(f"内容校验码 sha256: {scored.hash}")
    if scored.term is not None:
        click.echo(f"按届统计：届{scored.term.name}自 {scored.term.starts_on.isoformat()} 起")
    if not explain:
        table = [header + (["表彰"] if has_awards else []) + (["任职"] if noted else [])] + [
            [str(r["rank"] or "—"), str(r["subject"]["id"]), r["subject"]["name"], r["subject"]["unit"], r["score"],
             _grade(r), *gate_cells(r, "✓", "✗"), *([_award_cell(r)] if has_awards else []),
             *([r["membership"] or ""] if noted else [])] for r in rows]
        click.echo(text_table(table, right={0, 1, 4}))
        return
    for r in rows:
        _explain(r)


def _left_out(row: dict) -> str:
    """Why the subject is not on an award it could have had (excluded, ineligible, over a quota …), per award."""
    many = len(row["awards"]) > 1
    return ";".join(f"{a['label']}:{a['reason']}" if many else a["reason"]
                    for a in row["awards"] if not a["selected"] and a["near"] and a["reason"])


def _award_cell(row: dict) -> str:
    """The table's 表彰 cell: the awards the rules give the subject, else why it missed one it could have had."""
    given = "、".join(a["label"] for a in row["awards"] if a["selected"])
    missed = _left_out(row)
    return "；".join(filter(None, [given, f"未入选：{missed}" if missed else ""])) or "—"


def _record_label(record_id: int) -> str:
    """Attendance rows enter the engine with negated ids (app.reviews.facts): say so instead of a minus sign."""
    return f"出勤{-record_id}" if record_id < 0 else str(record_id)


def _explain(r: dict) -> None:
    """One subject's score as the office reads it: each section, the items under it, the records, the notes."""
    gates = []
    for g in r["gates"]:
        if g["veto"]:
            gates.append(f"一票否决 {g['label']}:{'无' if g['met'] else '已触发'}")
        else:
            gates.append(f"{g['label']}:{'达到' if g['met'] else '未达到'}" + (f"({g['detail']})" if g["detail"] else ""))
    place = f"第 {r['rank']} 名" if r["rank"] else "不参加排名"
    click.echo(f"\n{place}  {r['subject']['name']}（{r['subject']['unit']}）  总分 {r['score']}"
               f"  等次 {_grade(r) or '—'}")
    if r["membership"]:
        click.echo(f"  任职：{r['membership']}")
    for line in gates:
        click.echo(f"  [{line}]")
    if r["grade_note"]:
        click.echo(f"  等次说明：{r['grade_note']}")
    for flag in r["flags"]:
        click.echo(f"  通报：{flag['label']}（{flag['detail']}）")
    for award in r["awards"]:
        click.echo(f"  表彰 {award['label']}：" + ("入选" if award["selected"] else f"未入选（{award['reason']}）"))
    for s in r["sections"]:
        capped = f" → 计 {s['points']}" if s["points"] != s["raw"] else ""
        base = f"（基础分 {s['base']}）" if s["base"] != "0" else ""
        click.echo(f"  {s['section']}{base}: {s['raw']}{capped}")
        for item in (i for i in r["items"] if i["rule"].split("/", 1)[0] == s["section"]):
            capped = f" → 计 {item['points']}" if item["points"] != item["raw"] else ""
            records = "、".join(_record_label(i) for i in item["records"])
            click.echo(f"    · {item['rule'].split('/', 1)[1]} {item['raw']}{capped}"
                       + (f"  记录 {records}" if records else ""))
    for note in r["notes"]:
        click.echo(f"  说明：记录 {_record_label(note['record'])}（{note['item']}）未计分：{note['reason']}")


@rules_cli.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option("--period", required=True, help="2025 或 2025H1")
@RECORDS_OPTION
@term_options
def diff(old: str, new: str, period: str, records: str | None, term_start: dt.datetime | None,
         term_end: dt.datetime | None) -> None:
    """What changing from OLD to NEW rules does, subject by subject: rank, grade and award before and after."""
    term = _term(records, term_start, term_end)
    before, after = _scored(old, period, records, term), _scored(new, period, records, term)
    if before.ruleset.subject != after.ruleset.subject:
        click.echo(f"两份细则的考评对象不同（{before.ruleset.subject} / {after.ruleset.subject}），无法比较", err=True)
        sys.exit(1)
    rows_before = {r["subject"]["id"]: r for r in result_rows(before)}
    rows_after = result_rows(after)
    awards_before, awards_after = awards(before), awards(after)
    table = [["编号", "姓名", "总分", "名次", "等次", "表彰"]]
    changed = 0
    for row in rows_after:
        sid = row["subject"]["id"]
        old_row = rows_before[sid]
        pairs = [(old_row["score"], row["score"]), (str(old_row["rank"]), str(row["rank"])),
                 (old_row["grade"] or "—", row["grade"] or "—"),
                 ("、".join(awards_before.get(sid, [])) or "—", "、".join(awards_after.get(sid, [])) or "—")]
        if any(a != b for a, b in pairs):
            changed += 1
            table.append([str(sid), row["subject"]["name"], *[a if a == b else f"{a} → {b}" for a, b in pairs]])
    click.echo(f"{before.ruleset.name} → {after.ruleset.name} · {period}:{len(rows_after)} 个考评对象中 {changed} 个有变化")
    if changed:
        click.echo(text_table(table))
