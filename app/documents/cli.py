"""`flask --app wsgi report DOCUMENT --review ID -o FILE`: any printed document from the command line, with a
progress bar for large batches (certificates, 奖状, every member's 履职档案). A file ending in .xlsx gets the
spreadsheet version (表彰名单, 排名表, 奖励发放表), one ending in .docx the Word version laid out as an official
document (表彰决定, 表彰名单, 通报名单, 公示通知, 抄送函). `report contacts --year 2025 [--half H1]` prints the 四联系
情况 of the whole county (coverage, 专委会, 委员联系界别群众) instead of a review's document; `report term --term ID [--member ID]` the 届末综合评价
(the list for the 换届 nomination, or one member's term report)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.contacts import coverage as contact_coverage
from app.documents import kinds
from app.documents.errors import DocumentError
from app.documents.kinds import Options
from app.extensions import db
from app.models import PrinterProfile, Review, User
from reports.contacts import contact_pdf, contact_workbook

R = TypeVar("R")


@click.command("report")
@click.argument("document", type=click.Choice([*kinds.DOCUMENTS, "contacts", "coverage", "term"]))
@click.option("--review", "review_id", type=int, default=None, help="考评编号（考评排名页面地址中的数字）")
@click.option("--year", type=int, default=None, help="四联系情况（contacts）、党组织覆盖统计（coverage）：年度，如 2025")
@click.option("--term", "term_id", type=int, default=None, help="届末综合评价（term）：届次编号")
@click.option("--member", "member_id", type=int, default=None, help="届末综合评价：只生成这位委员的届末评价表（委员编号 id）")
@click.option("--half", type=click.Choice(["H1", "H2"]), default=None, help="四联系情况：H1 上半年，H2 下半年；不填为全年")
@click.option("--order", type=click.Choice(list(kinds.ORDERS)), default="strokes", show_default=True,
              help="名单和证书的顺序：score 按得分，strokes 按姓氏笔画")
@click.option("--grouping", type=click.Choice(list(kinds.GROUPINGS)), default="unit", show_default=True,
              help="表彰名单和公示：unit 按推荐单位分组（按单位排序），none 不分组")
@click.option("--mode", type=click.Choice(list(kinds.MODES)), default="full", show_default=True,
              help="证书：full 整张打印，overlay 套打")
@click.option("--numerals", type=click.Choice(list(kinds.NUMERALS)), default="chinese", show_default=True,
              help="证书日期：chinese 二〇二五年十二月，arabic 2025年12月")
@click.option("--paper", type=click.Choice(list(kinds.PAPERS)), default="A4", show_default=True, help="奖状纸张")
@click.option("--printer", "printer_name", default="", help="套打校正所用的打印机名称（打印设置中登记的）")
@click.option("--ranking", default=None, help="排名表：排名名称，如 总排名、按界别")
@click.option("--group", default=None, help="排名表：分组，如 经济界")
@click.option("--subject", "subject_id", type=int, default=None, help="履职档案：只生成这位委员的（委员编号 id）")
@click.option("--preview", is_flag=True, help="证书只出样稿：不编号、不登记")
@click.option("--user", "username", default="", help="登记在打印记录中的操作人用户名")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件")
@with_appcontext
def report_command(document: str, review_id: int | None, year: int | None, term_id: int | None,
                   member_id: int | None, half: str | None, order: str,
                   grouping: str, mode: str, numerals: str, paper: str,
                   printer_name: str, ranking: str | None, group: str | None, subject_id: int | None,
                   preview: bool, username: str, output: Path) -> None:
    """生成打印文件（PDF；以 .xlsx 结尾时生成表格，以 .docx 结尾时生成 Word 公文）。"""
    if not output.parent.is_dir():
        raise click.UsageError(f"输出文件夹 {output.parent} 不存在")
    if document == "contacts":
        _contacts(year, half or "", output)
        return
    if document == "coverage":
        _coverage(year, output)
        return
    if document == "term":
        _term(term_id, member_id, output)
        return
    if review_id is None:
        raise click.UsageError("请用 --review 指定考评编号")
    review = db.session.get(Review, review_id)
    if review is None:
        raise click.UsageError(f"没有编号为 {review_id} 的考评")
    printer_id = None
    if printer_name:
        printer_id = db.session.scalar(sa.select(PrinterProfile.id).where(PrinterProfile.name == printer_name))
        if printer_id is None:
            raise click.UsageError(f"没有名为“{printer_name}”的打印机，请先在打印设置中登记")
    user = None
    if username:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise click.UsageError(f"没有用户 {username}")
    options = Options(order=order, grouping=grouping, mode=mode, numerals=numerals, paper=paper, printer_id=printer_id,
                      ranking=ranking, group=group, subject_id=subject_id)
    bar: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if total < 20:
            return
        if "bar" not in bar:
            bar["bar"] = click.progressbar(length=total, label="生成中", file=sys.stderr)
            bar["bar"].__enter__()
        bar["bar"].update(done - bar["bar"].pos)

    try:
        if output.suffix.lower() == ".xlsx":
            made = kinds.spreadsheet(document, review, options)
        elif output.suffix.lower() == ".docx":
            made = kinds.word(document, review, options)
        else:
            made = kinds.make(document, review, options, user, progress=progress, print_run=not preview)
    except DocumentError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    output.write_bytes(made.data)
    db.session.commit()
    note = "（样稿：名单尚未定稿或只出样稿）" if made.draft and document in kinds.CERTIFICATE_DOCS else \
        "（样稿）" if made.draft else ""
    click.echo(f"已生成 {output}：{len(made.data) // 1024} KB{note}")


def _write(output: Path, report: R, pdf: Callable[[R], bytes], workbook: Callable[[R], bytes]) -> bytes:
    """A whole-county report written to `output`: the .xlsx version for a file ending in .xlsx, else the PDF."""
    data = workbook(report) if output.suffix.lower() == ".xlsx" else pdf(report)
    output.write_bytes(data)
    return data


def _contacts(year: int | None, half: str, output: Path) -> None:
    """四联系情况 of the whole county: PDF, or .xlsx by the file's extension."""
    if year is None:
        raise click.UsageError("请用 --year 指定年度")
    report = contact_coverage.report(year, half)
    _write(output, report, contact_pdf, contact_workbook)
    click.echo(f"已生成 {output}：{report.title}，常委 {len(report.standing)} 人，无人联系的委员 "
               f"{len(report.uncontacted)} 人，委员联系界别群众 {len(report.masses)} 次")


def _coverage(year: int | None, output: Path) -> None:
    """The year's 党组织覆盖统计 of the whole county: PDF, or .xlsx by the file's extension."""
    from app.coverage.services import coverage
    from reports.coverage import coverage_pdf, coverage_workbook

    if year is None:
        raise click.UsageError("请用 --year 指定年度，如 --year 2025")
    report = coverage(year, county=True)
    data = _write(output, report, coverage_pdf, coverage_workbook)
    click.echo(f"已生成 {output}：{len(data) // 1024} KB（党支部 {len(report.branches)} 个，企业 {len(report.enterprises)} 家）")


def _term(term_id: int | None, member_id: int | None, output: Path) -> None:
    """届末综合评价 of a whole 届: the nomination list as PDF (or .xlsx by the file's extension), or with `member_id`
    that member's term report (PDF)."""
    from app.models import Term
    from app.reviews.term import term_report
    from reports.term import member_pdf, term_pdf, term_workbook

    if term_id is None:
        raise click.UsageError("请用 --term 指定届次编号")
    term = db.session.get(Term, term_id)
    if term is None:
        raise click.UsageError(f"没有编号为 {term_id} 的届次")
    report = term_report(term)
    if member_id is not None:
        row = next((m for m in report.members if m.member_id == member_id), None)
        if row is None:
            raise click.UsageError(f"{term.name}没有编号为 {member_id} 的委员")
        output.write_bytes(member_pdf(report, row))
    else:
        _write(output, report, term_pdf, term_workbook)
    click.echo(f"已生成 {output}：{report.title}，{len(report.members)} 人")
