"""`flask demo`: load the demo county into an empty database, optionally walk its year to the end (reviews, award
lists decided and final), and print the demo accounts."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.demo import DEFAULT_SEED, PASSWORD, DemoSummary, build_demo, database_has_data
from app.extensions import db
from app.models import Role, Unit, User
from app.text_table import text_table

URL = "http://127.0.0.1:5000"


def echo_accounts() -> None:
    """Print where to sign in and the demo accounts, if there are any."""
    users = db.session.scalars(sa.select(User).where(User.is_demo).order_by(User.id)).all()
    if not users:
        return
    rows = [("用户名", "角色", "单位")]
    for user in users:
        if user.role == Role.MEMBER and user.member is not None:
            scope = f"委员本人：{user.member.name}（{user.member.code}）"
        else:
            scope = "、".join(u.name for u in user.units) or "全县"
        rows.append((user.username, user.role.label, scope))
    click.echo(f"\n登录地址：{URL}")
    click.echo(f"演示账号（密码均为 {PASSWORD}）：")
    click.echo(text_table(rows, indent="  "))
    click.echo("注意：演示账号只在演示模式下可以登录（FLASK_DEMO_MODE=true；make run 会自动打开演示模式）。")
    if not current_app.config.get("DEMO_MODE"):
        click.echo("当前未开启演示模式，用上面的账号登录会被拒绝。")


def _echo_summary(summary: DemoSummary) -> None:
    click.echo(f"演示数据已加载（种子 {summary.seed}）：")
    click.echo("  组织单位：" + "，".join(f"{kind} {n}" for kind, n in summary.units.items()))
    click.echo(f"  政协委员 {summary.members} 人（常委 {summary.standing} 人，停用 {summary.inactive} 人）；"
               f"党员 {summary.party_members} 人（预备党员 {summary.probationary} 人）")
    for category, states in summary.records.items():
        detail = "，".join(f"{state} {n}" for state, n in states.items())
        click.echo(f"  {category}：{sum(states.values())} 条（{detail}）")
    detail = "，".join(f"{status} {n}" for status, n in summary.attendance.items())
    click.echo(f"  会议和活动 {summary.meetings} 次，出席记录 {sum(summary.attendance.values())} 条（{detail}）")
    click.echo(f"  党支部比实绩 {summary.branch_results} 份；演示账号 {summary.users} 个")


@click.command("demo")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="随机种子：同一种子生成相同的数据。")
@click.option("--if-empty", is_flag=True, help="数据库已有数据时跳过，不报错（make run 使用）。")
@click.option("--year-end", is_flag=True,
              help="再把 2025 年度走完：运行全年总结，表彰名单推荐、考核、审定、公示、定稿（用来看打印文件）。")
@with_appcontext
def demo_command(seed: int, if_empty: bool, year_end: bool) -> None:
    """Load the demo county (260 members, 19 party branches, a year of records) into an empty database."""
    if not sa.inspect(db.engine).has_table(Unit.__tablename__):
        click.echo("数据库还没有建表，请先运行 flask --app wsgi db upgrade。", err=True)
        raise click.exceptions.Exit(1)
    if year_end and database_has_data() and db.session.scalar(sa.select(User.id).where(User.username == "office")):
        _finish_year()
        return
    if database_has_data():
        if if_empty:
            click.echo("数据库中已有数据，跳过演示数据加载。")
            echo_accounts()
            return
        click.echo("数据库中已有数据，拒绝加载演示数据，以免与真实数据混在一起。"
                   "如需演示，请换一个空数据库（例如另设 DATABASE_URL），再运行 flask --app wsgi db upgrade 和本命令。",
                   err=True)
        raise click.exceptions.Exit(1)
    try:
        summary = build_demo(seed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _echo_summary(summary)
    if year_end:
        _finish_year()
    echo_accounts()


def _finish_year() -> None:
    from app.awards.services import AwardError
    from app.documents.yearend import finish_year
    try:
        lists = finish_year()
        db.session.commit()
    except AwardError as error:
        db.session.rollback()
        click.echo(f"无法走完 2025 年度：{error}", err=True)
        raise click.exceptions.Exit(1) from None
    for award_list in lists:
        click.echo(f"  {award_list.category}：已定稿，{len(award_list.candidates)} 名（考评编号 {award_list.review_id}）")
