"""Reviews (考评): frozen runs of a rule file over a period, their rankings and the explanation of each score."""
from app.reviews.routes import bp

__all__ = ["bp"]
