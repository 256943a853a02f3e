"""引一企 as a register of leads and projects: stages reached with their dates, 跟踪服务, and the 引一企 records that
report a stage."""
from app.projects.routes import bp

__all__ = ["bp"]
