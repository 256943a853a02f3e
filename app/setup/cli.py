"""Scripted set-up: `flask --app wsgi org …`, `terms …`, `years …`, `users create-accounts` and `users reissue`.

The same services as the pages, one commit per command; every change is in the audit log (without an operator,
or with the account named by --user). Errors are printed in Chinese and exit 1.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app import organisation, rulefiles, timetable
from app.extensions import db
from app.models import AppraisalYear, RecordState, Term, Unit, User
from app.setup import accounts, rollover, terms, years
from app.setup.checklist import steps
from app.text_table import text_table
from app.timeutil import beijing_today


def _operator(username: str) -> User | None:
    """The account a command acts as, for the audit log (none: a command run on the server)."""
    if not username:
        return None
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"没有用户 {username}")
    return user


user_option = click.option("--user", "username", default="", help="记入操作日志的操作人用户名（默认不记操作人）")


def _fail(errors: dict[str, list[str]]) -> None:
    db.session.rollback()
    raise click.ClickException("；".join(f"{name}：{'；'.join(messages)}" for name, messages in errors.items()))


# --- org ------------------------------------------------------------------------------------------------------------

org_cli = AppGroup("org", help="组织信息：政协全称、简称、镇党委全称、组织人事部门、公众访问地址 / The organisation.")


@org_cli.command("show")
def org_show() -> None:
    """显示组织信息（未填写的项显示默认值）。"""
    values = organisation.stored_values()
    fallback = organisation.derived(values)
    rows = [("项目", "名称", "值")]
    for name, fact in organisation.FACTS.items():
        value = values[name] or (f"（默认：{fallback[name]}）" if fallback[name] else "（未设置）")
        rows.append((str(fact.label), name.replace("_", "-"), value))
    click.echo(text_table(rows))


@org_cli.command("set")
@click.option("--full-name", default=None, help="政协全称，如 中国人民政治协商会议××县委员会")
@click.option("--short-name", default=None, help="政协简称，如 ××县政协")
@click.option("--party-committee", default=None, help="镇党委全称，如 中共××镇委员会（“双比双争”落款）")
@click.option("--hr-department", default=None, help="组织人事部门，如 中共××县委组织部")
@click.option("--public-url", default=None, help="公众访问地址，如 https://zx.example.gov.cn")
@user_option
def org_set(full_name: str | None, short_name: str | None, party_committee: str | None, hr_department: str | None,
            public_url: str | None, username: str) -> None:
    """设置组织信息：只改给出的项；给空字符串（""）则清除该项、改用默认值。"""
    given = {"full_name": full_name, "short_name": short_name, "party_committee": party_committee,
             "hr_department": hr_department, "public_url": public_url}
    values = {name: value for name, value in given.items() if value is not None}
    if not values:
        raise click.UsageError("请至少给出一项，例如 --full-name 中国人民政治协商会议××县委员会")
    before = set(db.session.scalars(sa.select(Unit.id)))
    errors = organisation.save(values, _operator(username))
    if errors:
        _fail({str(organisation.FACTS[n].label) if n in organisation.FACTS else n: m for n, m in errors.items()})
    made = [u for u in db.session.scalars(sa.select(Unit).order_by(Unit.id)) if u.id not in before]
    db.session.commit()
    click.echo("组织信息已保存：" + "，".join(f"{organisation.FACTS[n].label} {v or '（默认）'}" for n, v in values.items()))
    for unit in made:
        click.echo(f"已新建单位：{unit.name}（{unit.kind.label}，编号 {unit.code}）")


# --- terms ----------------------------------------------------------------------------------------------------------

terms_cli = AppGroup("terms", help="届次 / Terms (届).")


def _date(text: str | None, label: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"“{text}”不是日期，请写成 2022-01-01", param_hint=label) from None


@terms_cli.command("add")
@click.argument("name")
@click.option("--start", required=True, help="开始日期，如 2022-01-01")
@click.option("--end", required=True, help="结束日期，如 2026-12-31")
@click.option("--number", type=int, default=None, help="届次序号（名称为“第十届”这样时可省略）")
@user_option
def terms_add(name: str, start: str, end: str, number: int | None, username: str) -> None:
    """新建届次，例如：terms add 第十届 --start 2022-01-01 --end 2026-12-31"""
    term = Term()
    errors = terms.save_term(term, {"name": name, "number": number, "starts_on": _date(start, "--start"),
                                    "ends_on": _date(end, "--end")}, _operator(username))
    if errors:
        labels = {"name": "名称", "number": "--number", "starts_on": "--start", "ends_on": "--end"}
        _fail({labels.get(k, k): v for k, v in errors.items()})
    db.session.commit()
    current = terms.current_term()
    click.echo(f"已新建{term.name}（序号 {term.number}，{term.starts_on} 至 {term.ends_on}）"
               + ("，为当前届次。" if current is not None and current.id == term.id else "。"))


@terms_cli.command("list")
def terms_list() -> None:
    """列出所有届次。"""
    rows = terms.term_rows()
    if not rows:
        click.echo("还没有届次。新建：flask --app wsgi terms add 第十届 --start 2022-01-01 --end 2026-12-31")
        return
    table = [("序号", "名称", "开始", "结束", "委员", "状态")]
    for row in rows:
        state = "当前届次" if row.current else "已关闭" if row.term.closed_at else "未关闭"
        table.append((str(row.term.number), row.term.name, row.term.starts_on.isoformat(),
                      row.term.ends_on.isoformat(), str(row.members), state))
    click.echo(text_table(table, right={0, 4}))


@terms_cli.command("rollover")
@click.argument("name")
@click.option("--start", default=None, help="新一届开始日期（默认上一届结束的次日）")
@click.option("--end", default=None, help="新一届结束日期（默认与上一届一样长）")
@click.option("--number", type=int, default=None, help="届次序号（名称为“第十一届”这样时可省略）")
@click.option("--leaving", type=click.Path(exists=True, dir_okay=False), default=None,
              help="离任委员的编号，一行一个（默认全部连任）")
@user_option
def terms_rollover(name: str, start: str | None, end: str | None, number: int | None, leaving: str | None,
                   username: str) -> None:
    """换届：从当前届次开始新一届，例如 terms rollover 第十一届 --leaving 离任名单.txt；名单外的在任委员连任。"""
    old = terms.current_term()
    if old is None:
        raise click.ClickException("没有当前届次，无从换届（flask --app wsgi terms list 查看）")
    proposed = rollover.proposal(old)
    members = rollover.serving(old)
    codes = {m.code: m for m in members}
    leave: set[str] = set()
    if leaving:
        leave = {line.strip() for line in Path(leaving).read_text(encoding="utf-8-sig").splitlines() if line.strip()}
        unknown = sorted(leave - set(codes))
        if unknown:
            raise click.ClickException(f"{leaving}：{'、'.join(unknown[:10])} 不是{old.name}在任委员的编号")
    data = {"name": name,
            "number": number if number is not None else None if terms.number_from_name(name) else proposed["number"],
            "starts_on": _date(start, "--start") or proposed["starts_on"],
            "ends_on": _date(end, "--end") or proposed["ends_on"]}
    try:
        done = rollover.start_next_term(old, data, {m.id for c, m in codes.items() if c not in leave},
                                        _operator(username))
    except terms.TermError as error:
        raise click.ClickException(str(error)) from None
    if not isinstance(done, rollover.Rollover):
        labels = {"name": "名称", "number": "--number", "starts_on": "--start", "ends_on": "--end"}
        _fail({labels.get(k, k): v for k, v in done.items()})
    assert isinstance(done, rollover.Rollover)
    db.session.commit()
    click.echo(f"{done.term.name}已开始（{done.term.starts_on} 至 {done.term.ends_on}）：连任 {done.carried} 人，"
               f"离任 {done.left} 人；{old.name}已关闭。新委员请用 flask --app wsgi import roster 导入。")


@terms_cli.command("close")
@click.argument("name")
@click.option("--yes", is_flag=True, help="不再询问，直接关闭")
@user_option
def terms_close(name: str, yes: bool, username: str) -> None:
    """关闭届次（换届完成后）：该届成为历史，最新的未关闭届次成为当前届次。"""
    term = terms.term_named(name)
    if term is None:
        raise click.ClickException(f"没有届次“{name}”（flask --app wsgi terms list 查看）")
    for note in terms.closing_notes(term):
        click.echo(f"注意：{note}")
    if not yes:
        click.confirm(f"确认关闭{term.name}？", abort=True)
    try:
        terms.close_term(term, _operator(username))
    except terms.TermError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    current = terms.current_term()
    click.echo(f"已关闭{term.name}。" + (f"当前届次：{current.name}。" if current else "现在没有当前届次。"))


# --- years ----------------------------------------------------------------------------------------------------------

years_cli = AppGroup("years", help="考评年度：开放录入、停止录入、重新开放 / Appraisal years.")


def _year(year: int) -> AppraisalYear:
    found = db.session.get(AppraisalYear, year)
    if found is None:
        raise click.ClickException(f"没有 {year} 年度（flask --app wsgi years open {year} 开放）")
    return found


@years_cli.command("open")
@click.argument("year", type=int)
@user_option
@click.option("--carry/--no-carry", default=True, help="把上一年度施行中的评分细则转入为草稿(默认转入)")
def years_open(year: int, username: str, carry: bool) -> None:
    """开放考评年度的录入，例如：years open 2026；上一年度施行中的评分细则转入为草稿（--no-carry 不转入）。"""
    operator = _operator(username)
    try:
        years.open_year(year, operator)
        carried = rulefiles.carry_forward(year - 1, year, operator) if carry else []
    except years.YearError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"已开放 {year} 年度的录入。")
    for version in carried:
        click.echo(f"  {version.subject_kind.label}：{year - 1} 年度细则已转入为 {year} 年度第 {version.version} 版（草稿）："
                   f"{version.filename}")
    if carried:
        click.echo(f"请在“评分细则”页面上比较后启用，或 flask --app wsgi rules adopt-drafts {year}。")


@years_cli.command("close")
@click.argument("year", type=int)
@user_option
def years_close(year: int, username: str) -> None:
    """停止考评年度的录入（年终）：不能再新增或修改该年度日期的记录和会议，核实照常。"""
    found = _year(year)
    row = next(r for r in years.year_rows() if r.year.year == year)
    if row.waiting:
        click.echo(f"注意：{year} 年度还有 {row.waiting} 条记录未核实（草稿、已提交或退回）。")
    try:
        years.close_year(found, _operator(username))
    except years.YearError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{year} 年度已停止录入。")


@years_cli.command("reopen")
@click.argument("year", type=int)
@click.option("--reason", required=True, help="重新开放的原因（记入操作日志）")
@user_option
def years_reopen(year: int, reason: str, username: str) -> None:
    """重新开放已停止录入的考评年度（须写明原因）。"""
    try:
        years.reopen_year(_year(year), reason, _operator(username))
    except years.YearError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"已重新开放 {year} 年度的录入。")


@years_cli.command("list")
def years_list() -> None:
    """列出考评年度。"""
    rows = years.year_rows()
    if not rows:
        click.echo("还没有考评年度。开放：flask --app wsgi years open 2026")
        return
    table = [("年度", "状态", "已核实", "未核实", "会议")]
    for row in rows:
        closed = row.year.recording_closed_at
        state = f"已停止录入（{closed:%Y-%m-%d}）" if closed else "开放录入"
        table.append((row.year.name, state, str(row.records.get(RecordState.VERIFIED, 0)), str(row.waiting),
                      str(row.meetings)))
    click.echo(text_table(table, right={2, 3, 4}))


def _milestone(assignment: str) -> tuple[str, dt.date | int | None]:
    """`key=value` of --set: the key a column name (entry_closes_on) or its Chinese label (录入截止); the value a
    date (2026-12-31), for 公示天数 a number of days, or empty to clear."""
    key, sep, value = assignment.partition("=")
    key, value = key.strip(), value.strip()
    found = timetable.BY_KEY.get(key) or next((m for m in timetable.MILESTONES if str(m.label) == key), None)
    if not sep or found is None:
        names = "、".join(f"{m.key}（{m.label}）" for m in timetable.MILESTONES)
        raise click.BadParameter(f"“{assignment}”应写成 项目=值，项目可用：{names}", param_hint="--set")
    if not value:
        return found.key, None
    if found.days:
        if not value.isdigit():
            raise click.BadParameter(f"“{value}”不是天数", param_hint="--set")
        return found.key, int(value)
    return found.key, _date(value, "--set")


@years_cli.command("timetable")
@click.argument("year", type=int)
@click.option("--set", "assignments", multiple=True, metavar="项目=值",
              help="设置一项，如 --set entry_closes_on=2026-12-31 或 --set 公示天数=7；值留空则清除；可重复")
@click.option("--defaults", is_flag=True, help="未设定的项填入惯例日期（半年小结 7月15日、全年总结 12月31日 等）")
@user_option
def years_timetable(year: int, assignments: tuple[str, ...], defaults: bool, username: str) -> None:
    """显示考评年度的时间安排（各步骤的日期、状态和依据）及政情通报会次数；--set 设置其中的项。"""
    found = _year(year)
    data: dict[str, dt.date | int | None] = {}
    if defaults:
        data.update({k: v for k, v in timetable.defaults(year).items() if getattr(found, k) is None})
    data.update(_milestone(a) for a in assignments)
    if data:
        errors = timetable.save(found, data, _operator(username))
        if errors:
            _fail({str(timetable.BY_KEY[k].label): v for k, v in errors.items()})
        db.session.commit()
        click.echo(f"已保存 {year} 年度的时间安排。")
    today = beijing_today()
    table = [("步骤", "项目", "日期", "状态", "依据")]
    for step in timetable.steps(found, today):
        when = f"{step.days} 天" if step.milestone.days else timetable.cn_date(step.on) if step.on else "未设定"
        table.append((str(step.milestone.label), step.milestone.key, when, step.when, step.evidence))
    click.echo(text_table(table))
    held = timetable.briefings(year, today)
    line = f"政情通报会：已召开 {len(held.held)} 次，已安排 {len(held.planned)} 次（实施意见：每年1—2次）"
    warning = held.warning(today)
    click.echo(line + (f"。{warning[0]}" if warning else ""))


# --- accounts -------------------------------------------------------------------------------------------------------

def _outputs(output: Path, xlsx: Path | None) -> None:
    for path in (output, xlsx):
        if path is not None and not path.parent.is_dir():
            raise click.UsageError(f"输出文件夹 {path.parent} 不存在")


def _address(address: str) -> str:
    base = address or organisation.current().public_url
    if not base:
        raise click.ClickException("还没有设置公众访问地址，通知单上没有登录地址可印：先运行 "
                                   "flask --app wsgi org set --public-url https://…，或用 --address 指定。")
    if not organisation.PUBLIC_URL.match(base.rstrip("/")):
        raise click.BadParameter("请写以 http:// 或 https:// 开头的地址", param_hint="--address")
    return accounts.sign_in_address(base)


def _write(issued: list[accounts.Issued], output: Path, xlsx: Path | None, address: str) -> None:
    """The slips (and the table) written before the accounts are committed: no account is left without its slip."""
    org = organisation.current()
    output.write_bytes(accounts.slips_pdf(issued, address, org.short_name or org.full_name))
    if xlsx is not None:
        xlsx.write_bytes(accounts.slips_xlsx(issued, address))


role_option = click.option("--role", "kind", type=click.Choice(list(accounts.KINDS)), required=True,
                           help="member：每位没有账号的委员；clerk：每个没有录入员的专委会、界别活动组、联络处；"
                                "liaison：没有联络员的党支部（每个党总支一个）")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
                             help="账号通知单 PDF（每页三张，裁开后发给本人）")
xlsx_option = click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="同时生成给办公室的账号表（.xlsx，含初始密码，发完后请删除）")
address_option = click.option("--address", default="", help="登录地址（默认：组织信息中的公众访问地址）")


@click.command("create-accounts")
@role_option
@output_option
@xlsx_option
@address_option
@user_option
def create_accounts_command(kind: str, output: Path, xlsx: Path | None, address: str, username: str) -> None:
    """批量开户：为还没有账号的人员创建账号，初始密码一次性有效，印在通知单上（系统不保存明文）。"""
    _outputs(output, xlsx)
    where = _address(address)
    issued, _left = accounts.create_accounts([kind], _operator(username))
    if not issued:
        db.session.rollback()
        click.echo(f"没有需要创建的{accounts.KIND_LABELS[kind]}。")
        return
    try:
        _write(issued, output, xlsx, where)
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(f"无法写入通知单：{error}；账号没有创建。") from None
    db.session.commit()
    click.echo(f"已创建 {len(issued)} 个{accounts.KIND_LABELS[kind]}；通知单：{output}"
               + (f"；账号表：{xlsx}" if xlsx else "") + "。初始密码只在这些文件中，请妥善保管、发放后删除。")


@click.command("reissue")
@click.argument("usernames", nargs=-1)
@click.option("--role", "kind", type=click.Choice(list(accounts.KINDS)), default=None,
              help="重新发放该类中所有尚未登录过的账号")
@output_option
@xlsx_option
@address_option
@click.option("--reason", default="通知单未下载或遗失，重新发放", show_default=True, help="原因（记入操作日志）")
@user_option
def reissue_command(usernames: tuple[str, ...], kind: str | None, output: Path, xlsx: Path | None, address: str,
                    reason: str, username: str) -> None:
    """重新发放初始密码：给出用户名，或 --role 该类中所有尚未登录过的账号；原通知单作废。"""
    if bool(usernames) == bool(kind):
        raise click.UsageError("请给出用户名，或用 --role 指定一类账号（二者取一）")
    _outputs(output, xlsx)
    where = _address(address)
    if kind:
        users = accounts.unused_accounts(kind)
    else:
        users = list(db.session.scalars(sa.select(User).where(User.username.in_(usernames))))
        unknown = sorted(set(usernames) - {u.username for u in users})
        if unknown:
            raise click.ClickException(f"没有这些用户：{'、'.join(unknown)}")
        demo = [u.username for u in users if u.is_demo]
        if demo:
            raise click.ClickException(f"演示账号不能重新发放：{'、'.join(demo)}")
    if not users:
        click.echo("没有需要重新发放的账号（该类账号都已登录过）。")
        return
    issued = accounts.reissue(users, _operator(username), reason)
    try:
        _write(issued, output, xlsx, where)
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(f"无法写入通知单：{error}；密码没有重置。") from None
    db.session.commit()
    click.echo(f"已重新发放 {len(issued)} 个账号的初始密码；通知单：{output}" + (f"；账号表：{xlsx}" if xlsx else "")
               + "。原来的通知单已作废。")


@click.command("checklist")
def status_command() -> None:
    """正式启用检查清单：还缺哪些设置。"""
    found = steps()
    for step in found:
        click.echo(f"[{'完成' if step.done else '未完成'}] {step.title}")
        for line in (*step.lines, *step.notes):
            click.echo(f"       {line}")
    done = sum(s.done for s in found)
    click.echo(f"共 {len(found)} 项，已完成 {done} 项。")
    if done < len(found):
        raise click.exceptions.Exit(1)


COMMANDS = (org_cli, terms_cli, years_cli, status_command)  # added to `flask`; the account commands join `users`
USER_COMMANDS = (create_accounts_command, reissue_command)
