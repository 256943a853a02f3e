"""政协委员: lists, pages and maintenance."""
from app.members.routes import bp

__all__ = ["bp"]
