"""`flask users create-admin`: the way a real deployment gets its first administrator."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Role, User


def test_create_admin_makes_an_admin_who_must_change_the_password(app, client):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "root", "--password", "Strong-pass-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "root"))
    assert user.role == Role.ADMIN and user.must_change_password and not user.is_demo
    response = client.post("/auth/login", data={"username": "root", "password": "Strong-pass-1"})
    assert response.headers["Location"].endswith("/auth/password")


def test_create_admin_refuses_a_weak_password_and_a_taken_name(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "root", "--password", "weak"])
    assert result.exit_code == 1 and "密码至少 8 位" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    runner.invoke(args=["users", "create-admin", "root", "--password", "Strong-pass-1"])
    result = runner.invoke(args=["users", "create-admin", "root", "--password", "Strong-pass-2"])
    assert result.exit_code == 1 and "已存在" in result.output
