"""The migrations build the whole schema, match the models, and come down cleanly, on SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from app import create_app
from app.extensions import db
from conftest import DATABASE_URL, ON_SQLITE, TEST_CONFIG


@pytest.fixture
def migration_url(tmp_path) -> Iterator[str]:
    """An empty database of the engine under test: a temp SQLite file, or a scratch PostgreSQL database."""
    if ON_SQLITE:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = sa.make_url(DATABASE_URL)
    scratch = f"{url.database}_migrations"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    yield url.set(database=scratch).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_check_downgrade(migration_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migration_url})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        check()  # raises if the models and the migrations disagree
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
