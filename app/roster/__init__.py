"""The office's own roster (委员名单) into the current 届: read as offices keep it, columns placed by their usual names
or the office's remembered choices, people matched, unknown units created on consent; web pages and a command."""
from app.roster.routes import bp

__all__ = ["bp"]
