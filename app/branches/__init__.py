"""非公企业党支部 and their party members (双比双争)."""
from app.branches.routes import bp

__all__ = ["bp"]
