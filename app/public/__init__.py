"""Pages without sign-in: the published 公示 lists (and objections to them), 委员风采 and its feed."""
from app.public.routes import bp

__all__ = ["bp"]
