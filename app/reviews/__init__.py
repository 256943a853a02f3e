"""Reviews (考评): the recorded facts fed to the engine (facts, scoring), frozen runs of a rule file over a period,
their rankings and the explanation of each score; the `rules` and `score` commands (cli)."""
from app.reviews.routes import bp

__all__ = ["bp"]
