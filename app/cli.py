"""Flask commands: `flask --app wsgi demo …`, `flask --app wsgi users create-admin …`; each commits once."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from app.auth.passwords import policy_errors
from app.auth.services import set_password
from app.extensions import db
from app.models import Role, User

users_cli = AppGroup("users", help="用户管理 / Manage accounts.")


@users_cli.command("create-admin")
@click.argument("username")
@click.option("--name", "display_name", default="系统管理员", help="显示名称")
@click.password_option("--password", prompt="密码 / Password", confirmation_prompt="再次输入 / Repeat")
def create_admin(username: str, display_name: str, password: str) -> None:
    """Create an administrator, who must change the password at first sign-in."""
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise click.ClickException(f"用户名 {username} 已存在。")
    errors = policy_errors(password)
    if errors:
        raise click.ClickException(" ".join(errors))
    user = User(username=username, display_name=display_name, role=Role.ADMIN, password_hash="")  # set just below  # nosec B106
    db.session.add(user)
    db.session.flush()
    set_password(user, password, current_app.config, must_change=True)
    db.session.commit()
    click.echo(f"已创建系统管理员 {username}，首次登录时须修改密码。")


def init_app(app: Flask) -> None:
    from app.backup import backup_command, backup_key_command, restore_command
    from app.demo.cli import demo_command
    from app.doctor import doctor_command
    from app.documents.cli import report_command
    from app.imports.cli import import_command
    from app.jobs.cli import jobs_cli
    from app.reviews.cli import rules_cli, score_command
    from app.roster.cli import roster_command
    from app.rules.cli import adopt_command, adopt_drafts_command, carry_forward_command, list_command
    from app.setup.cli import COMMANDS as SETUP_COMMANDS
    from app.setup.cli import USER_COMMANDS

    app.cli.add_command(demo_command)
    app.cli.add_command(users_cli)
    for command in (adopt_command, adopt_drafts_command, list_command, carry_forward_command):
        rules_cli.add_command(command)
    app.cli.add_command(rules_cli)
    app.cli.add_command(score_command)
    import_command.add_command(roster_command)
    app.cli.add_command(import_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(report_command)
    app.cli.add_command(doctor_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(backup_key_command)
    for command in SETUP_COMMANDS:
        app.cli.add_command(command)
    for command in USER_COMMANDS:
        users_cli.add_command(command)
