"""双比双争 coverage: enterprises' yearly figures and the year's coverage report (党组织 and 党员 in enterprises)."""
from app.coverage.routes import bp

__all__ = ["bp"]
