"""通报 followed by 处理: the cases of a members' review's 通报 list and their steps."""
from app.followup.routes import bp

__all__ = ["bp"]
