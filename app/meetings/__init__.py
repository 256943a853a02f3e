"""会议与活动: meetings, their invited members and attendance, verification by the office."""
from app.meetings.routes import bp

__all__ = ["bp"]
