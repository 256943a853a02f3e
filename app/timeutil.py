"""Time helpers: the database keeps naive UTC datetimes."""
import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
