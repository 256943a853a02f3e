"""评分细则 in the web: the rule files in force, every version, the editor with its mistakes at their places, the
what-if comparison before adopting, and the shipped files as templates. The store itself is app.rulefiles."""
from app.rules.routes import bp

__all__ = ["bp"]
