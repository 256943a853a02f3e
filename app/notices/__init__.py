"""通知: in-app notices when something needs a person (a record returned or verified, a vote opened, a list
approved), read and unread, and an optional e-mail when the server has SMTP settings."""
from app.notices.routes import bp

__all__ = ["bp"]
