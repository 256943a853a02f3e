"""Administration: units, users, the login log."""
from app.admin.routes import bp

__all__ = ["bp"]
