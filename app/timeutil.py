"""Time helpers: the database keeps naive UTC datetimes."""
import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today() -> dt.date:
    """Today's date in Beijing: 公示 periods, approvals and the like are announced in local dates."""
    return dt.datetime.now(BEIJING).date()

