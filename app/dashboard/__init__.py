"""数据看板 and 预警: participation, scores and attendance by unit and by each 一; who needs a nudge before December."""
from app.dashboard.routes import bp

__all__ = ["bp"]
