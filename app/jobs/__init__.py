"""后台任务: long work (a big import, a review, a certificate print run, every member's 履职档案) off the request, with
progress and cancel."""
from app.jobs.routes import bp

__all__ = ["bp"]
