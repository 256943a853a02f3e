"""联一户 as a lasting register: counterparts (对接对象), pairings (结对), and the support and visits logged against
them; a 联一户 record names its pairing."""
from app.pairings.routes import bp

__all__ = ["bp"]
