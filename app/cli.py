"""Flask commands: `flask --app wsgi demo …` and the others; each commits once, like a view."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import demo_command

    app.cli.add_command(demo_command)
