"""四联系: who contacts whom (assignments, edited or imported), the contact log, and the half-year coverage."""
from app.contacts.routes import bp

__all__ = ["bp"]
