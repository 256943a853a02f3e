"""The migrations build the whole schema, match the models, and come down cleanly, on SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from app import create_app
from app.extensions import db
from conftest import TEST_CONFIG


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
