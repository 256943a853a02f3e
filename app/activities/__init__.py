"""履职记录: lists and pages of 四个一 and 比贡献 records."""
from app.activities.routes import bp

__all__ = ["bp"]
