"""`flask import {members,records,attendance,branches,party-members,branch-results,history,pairings,projects,
contact-links,enterprises} FILE [--dry-run]`; the office's own roster is `flask import roster`
(app/roster/cli.py), added to the same group.

All or nothing: on any problem nothing is written, every problem is printed as `FILE:sheet:row:column: 原因` and
the command exits 1; so does a value outside its plausible range (金额 2 in 元: meant 2 万元?) until the command is
run again with --confirm; a long file shows a progress bar on standard error. Run without --user it acts for the
office (the whole county); with --user NAME it acts with that account's role and data scope.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import User

PROGRESS_BAR_ROWS = 1000  # a file this long shows a progress bar (on standard error)


@contextlib.contextmanager
def progress_bar() -> Iterator[Callable[..., None]]:
    """An import's progress callback for the command line: a bar on standard error once the file is long enough."""
    bar: dict[str, Any] = {}

    def progress(done: int, total: int, message: str = "") -> None:
        if total < PROGRESS_BAR_ROWS:
            return
        if "bar" not in bar:
            bar["bar"] = click.progressbar(length=total, label="导入中", file=sys.stderr)
            bar["bar"].__enter__()
        bar["bar"].update(max(0, min(done, total) - bar["bar"].pos))

    try:
        yield progress
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)


@click.group("import")
def import_command() -> None:
    """导入电子表格(.xlsx 或 .csv,全部导入或全不导入)/ Import a spreadsheet, all or nothing."""


def _dataset_command(name: str) -> click.Command:
    dataset = DATASETS[name]

    @click.command(name, help=f"导入{dataset.label}（.xlsx 或 .csv）/ Import {name}, all or nothing.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="只检查、显示将新增和修改的行，不写入 / Check only, write nothing.")
    @click.option("--user", "username", default=None, help="以该用户的角色和数据范围导入 / Act as this user.")
    @click.option("--verbose", "-v", is_flag=True, help="逐行列出新增和修改 / List every added or changed row.")
    @click.option("--confirm", is_flag=True,
                  help="数值超出合理范围（如金额单位可能填错）的行已核对无误，照样导入 / Import values flagged as implausible.")
    def command(file: str, dry_run: bool, username: str | None, verbose: bool, confirm: bool) -> None:
        run_command(name, file, dry_run, username, verbose, confirm)
    return command


def run_command(dataset: str, file: str, dry_run: bool, username: str | None, verbose: bool,
                confirm: bool = False) -> None:
    """One import from the command line (see the module)."""
    user = None
    if username:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None or not user.active:
            click.echo(f"没有用户“{username}”（或已停用）", err=True)
            sys.exit(2)
        if user.role not in DATASETS[dataset].roles:
            click.echo(f"用户“{username}”（{user.role.label}）不能导入{DATASETS[dataset].label}", err=True)
            sys.exit(2)
    with progress_bar() as progress:
        outcome = run_import(DATASETS[dataset], Path(file).read_bytes(), file, user, dry_run, progress=progress,
                             confirm=confirm)
    for note in outcome.notes:
        click.echo(f"注意：{note}", err=True)
    for line in outcome.warning_lines:
        click.echo(f"{line}（需要确认）" if outcome.needs_confirmation else f"{line}（已确认）", err=True)
    if not outcome.ok:
        db.session.rollback()
        click.echo("\n".join(outcome.errors), err=True)
        click.echo(f"{outcome.file}: {outcome.summary()}", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    if verbose:
        for item in outcome.planned:
            if item.action != "不变":
                fields = f"（{'、'.join(item.fields)}）" if item.fields else ""
                click.echo(f"{outcome.file}:{item.sheet}:{item.row}: {item.action} {item.what}{fields}")
    click.echo(f"{outcome.file}: {outcome.summary()}")


for _name in DATASETS:
    import_command.add_command(_dataset_command(_name))
