"""The award decision: recommendation within quotas, the leading group's review, approval, 公示, final list."""
from app.awards.routes import bp

__all__ = ["bp"]
