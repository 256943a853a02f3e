"""扫码签到: signed check-in codes for a meeting, and a member's check-in by one.

A code is a URL /meetings/checkin/<token>. The token names the meeting and either a 30-second slot (the projected
code, which changes every slot and is accepted in its slot and the next) or "p" (the printed code, accepted while
the meeting's window is open). It is signed by HMAC-SHA256 with a key derived from the app's secret key, a purpose
string and the meeting's nonce: a new nonce (`renew`) voids every code shown or printed before.

The window opens OPEN_BEFORE before the start and closes at the end (Beijing wall clock on the meeting's date);
after the start plus the meeting's grace a check-in is 迟到. Only a DRAFT or RETURNED meeting that is not locked
takes check-ins: a submitted, verified or locked one has left the organiser's hands. Flush, never commit.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.meetings import services
from app.models import Attendance, AttendanceStatus, Meeting, User
from app.timeutil import BEIJING, utcnow

SLOT_SECONDS = 30
OPEN_BEFORE = dt.timedelta(minutes=60)
VOUCHER_SECONDS = 15 * 60  # how long a code seen before signing in stays good for that visitor
PURPOSE = b"meeting-checkin-v1"
PRINTED = "p"
TAKES_CHECKIN = ("DRAFT", "RETURNED")


def _key(meeting: Meeting) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, PURPOSE + b"\x00" + meeting.checkin_nonce.encode(), hashlib.sha256).digest()


def _sign(meeting: Meeting, text: str) -> str:
    mac = hmac.new(_key(meeting), f"{meeting.id}.{text}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def current_slot(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // SLOT_SECONDS)


def token(meeting: Meeting, slot: int | None = None) -> str:
    """The projected code's token for `slot` (now's by default)."""
    slot = current_slot() if slot is None else slot
    return f"{meeting.id}.{slot}.{_sign(meeting, str(slot))}"


def printed_token(meeting: Meeting) -> str:
    """The printed code's token: good in the meeting's window until the organiser renews the codes."""
    return f"{meeting.id}.{PRINTED}.{_sign(meeting, PRINTED)}"


def voucher(token_text: str, seen: int, meeting: Meeting) -> str:
    """A signature saying `token_text` was good at `seen` (unix seconds): carried through the sign-in page."""
    return _sign(meeting, f"seen.{token_text}.{seen}")


def window(meeting: Meeting) -> tuple[dt.datetime, dt.datetime, dt.datetime] | None:
    """(opens, late after, closes) in Beijing time, or None when the meeting has no start and end time."""
    if meeting.starts_at is None or meeting.ends_at is None:
        return None
    start = dt.datetime.combine(meeting.held_on, meeting.starts_at, tzinfo=BEIJING)
    end = dt.datetime.combine(meeting.held_on, meeting.ends_at, tzinfo=BEIJING)
    return start - OPEN_BEFORE, start + dt.timedelta(minutes=meeting.grace_minutes or 0), end


def closed_reason(meeting: Meeting, now: dt.datetime | None = None) -> str | None:
    """Why the meeting takes no check-in now, or None."""
    if meeting.starts_at is None or meeting.ends_at is None:
        return _("该会议没有设置开始和结束时间，不能扫码签到。")
    if not in_organisers_hands(meeting):
        return _("该会议的出席情况已提交或核实，不能再签到。")
    if meeting.kind == "组织生活":
        return _("组织生活的出席情况由党建工作联络员登记，不能扫码签到。")
    opens, _late, closes = window(meeting)  # type: ignore[misc]
    now = now or dt.datetime.now(BEIJING)
    if now < opens:
        return _("签到尚未开始：会议开始前 %(n)s 分钟（%(time)s）起可以签到。", n=int(OPEN_BEFORE.total_seconds() // 60),
                 time=opens.strftime("%H:%M"))
    if now > closes:
        return _("签到已结束：会议已于 %(time)s 结束。", time=closes.strftime("%H:%M"))
    return None


@dataclass(frozen=True)
class Parsed:
    meeting: Meeting
    printed: bool
    slot: int | None


def parse(token_text: str) -> Parsed | str:
    """The meeting a well-signed token names, or why it is refused (a message for the member)."""
    bad = _("签到码无效：请重新扫描会场上的二维码。")
    parts = token_text.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return bad
    meeting = db.session.get(Meeting, int(parts[0]))
    if meeting is None:
        return bad
    if parts[1] == PRINTED:
        slot = None
    elif parts[1].isdigit() and len(parts[1]) <= 12:
        slot = int(parts[1])
    else:
        return bad
    if not hmac.compare_digest(parts[2], _sign(meeting, parts[1])):
        return bad
    return Parsed(meeting, slot is None, slot)


def check_fresh(parsed: Parsed, token_text: str, seen: str | None = None, seen_sig: str | None = None) -> str | None:
    """Why a projected code is too old now, or None; a printed code is always fresh. A code seen fresh before the
    member signed in (`seen`, signed by `voucher`) stays good for VOUCHER_SECONDS."""
    if parsed.printed:
        return None
    now = time.time()
    if parsed.slot in (current_slot(now), current_slot(now) - 1):
        return None
    if seen and seen_sig and seen.isdigit() and now - int(seen) <= VOUCHER_SECONDS \
            and current_slot(int(seen)) - 1 <= parsed.slot <= current_slot(int(seen)) \
            and hmac.compare_digest(seen_sig, voucher(token_text, int(seen), parsed.meeting)):
        return None
    return _("签到码已过期：会场上的二维码每 30 秒更换一次，请重新扫描大屏幕上的二维码。")


@dataclass(frozen=True)
class Result:
    ok: bool
    message: str
    row: Attendance | None = None
    already: bool = False


def check_in(meeting: Meeting, user: User, ip: str = "") -> Result:
    """Mark the signed-in member 出席 (迟到 after the start plus grace) with the time, once."""
    if user.member_id is None:
        return Result(False, _("只有委员账号可以签到。"))
    if reason := closed_reason(meeting):
        return Result(False, reason)
    row = db.session.scalar(sa.select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                        Attendance.member_id == user.member_id))
    if row is None:
        return Result(False, _("您不在本次会议的参会名单中，未记录签到。如有疑问，请联系会议组织单位。"))
    if row.checked_in_at is not None:
        return Result(True, _("您已签到"), row, already=True)
    _opens, late_after, _closes = window(meeting)  # type: ignore[misc]
    at = utcnow()
    status = AttendanceStatus.LATE if dt.datetime.now(BEIJING) > late_after else AttendanceStatus.PRESENT
    # one row, whoever scans at the same moment: only the first update finds it without a check-in time
    done = db.session.execute(sa.update(Attendance).where(Attendance.id == row.id, Attendance.checked_in_at.is_(None))
                              .values(status=status, checked_in_at=at, leave_state=None)  # came: no leave to decide
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(row)
        return Result(True, _("您已签到"), row, already=True)
    audit.record(user, "update", "attendance", row.id,
                 {"status": (row.status, status), "checked_in_at": (None, at)},
                 reason=_("扫码签到：%(name)s", name=user.member.name if user.member else ""), ip=ip)
    db.session.flush()
    db.session.refresh(row)
    return Result(True, _("签到成功"), row)


def renew(meeting: Meeting, user: User, ip: str = "") -> None:
    """A new nonce: every code shown or printed before stops working."""
    meeting.checkin_nonce = secrets.token_hex(16)
    audit.record(user, "update", "meeting", meeting.id, {"checkin_nonce": ("", "")}, reason=_("重新生成签到码"), ip=ip)
    db.session.flush()


TIME_FIELDS = ("starts_at", "ends_at", "grace_minutes")


def in_organisers_hands(meeting: Meeting) -> bool:
    """A draft or returned meeting that is not locked: its times may change and unscanned rows be marked absent."""
    return not meeting.locked and meeting.state.name in TAKES_CHECKIN


def set_times(meeting: Meeting, version: int | None, starts_at: dt.time | None, ends_at: dt.time | None,
              grace_minutes: int | None, user: User, ip: str = "") -> None:
    """签到时间: the meeting's start, end and grace, audited when they change. The codes stay valid: the printed one
    follows the new window.

    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    if version != meeting.version:
        raise services.StaleMeeting()
    before = audit.snapshot(meeting, TIME_FIELDS)
    meeting.starts_at, meeting.ends_at, meeting.grace_minutes = starts_at, ends_at, grace_minutes or 0
    if changes := audit.diff(before, audit.snapshot(meeting, TIME_FIELDS)):
        audit.record(user, "update", "meeting", meeting.id, changes, reason=_("签到时间"), ip=ip)
    services.touch(meeting, version)


def window_closed(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    """Whether the meeting has check-in times and its window has closed (after the end)."""
    times = window(meeting)
    return times is not None and (now or dt.datetime.now(BEIJING)) > times[2]


def unscanned(rows: list[Attendance]) -> list[Attendance]:
    """The rows among `rows` still as the meeting was created: 出席 without a check-in time. A row the organiser set
    to anything else (缺席, 请假, 迟到) was changed by hand and is not one of them."""
    return [a for a in rows if a.checked_in_at is None and a.status == AttendanceStatus.PRESENT]


def mark_unscanned_absent(meeting: Meeting, version: int | None, rows: list[Attendance], user: User,
                          ip: str = "") -> int:
    """“未签到的标为缺席”: each of `rows` (the user's in-scope invitees) that is 出席 without a check-in time becomes
    缺席, audited row by row as the attendance sheet does; how many changed.

    :raises StaleMeeting: when `version` is not the meeting's current version.
    """
    if version != meeting.version:
        raise services.StaleMeeting()
    changed = unscanned(rows)
    for row in changed:
        row.status = AttendanceStatus.ABSENT
        audit.record(user, "update", "attendance", row.id, {"status": (AttendanceStatus.PRESENT, row.status)},
                     reason=row.member.name if row.member else "", ip=ip)
    services.touch(meeting, version)
    return len(changed)


def arrivals(rows: list[Attendance]) -> list[Attendance]:
    """The rows among `rows` that checked in, latest first."""
    return sorted((a for a in rows if a.checked_in_at is not None), key=lambda a: a.checked_in_at, reverse=True)


def qr_svg(text: str) -> str:
    """The QR code of `text` as an inline SVG (black modules on white, a quiet zone of 4)."""
    from reports.certificates import qr_matrix, qr_runs

    matrix = qr_matrix(text)
    size = len(matrix) + 8
    path = "".join(f"M{c + 4} {r + 4}h{n}v1h-{n}z" for r, c, n in qr_runs(matrix))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" '
            f'role="img"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')
