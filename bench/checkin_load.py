"""checkin_load: 扫码签到 under load, through the product: gunicorn + PostgreSQL, the members' phones played here.

Run: .venv/bin/python bench/checkin_load.py [--members 300] [--spread 120] [--workers 4] [--connections 30]

It makes a scratch PostgreSQL database (bench_checkin, dropped and made anew), loads the demo county, makes sure it
has `--members` active members (adding plain ones when the demo has fewer), gives each a member account, and creates
today's meeting of the 提案委员会 (check-in open now, 迟到 only after the grace) with all of them invited. It starts
gunicorn with N sync workers (as docs/deploy.md runs it), signs every member in once (a phone that has signed in
keeps its session; the sign-ins are timed apart), then plays the phones in two phases, each phone on its own
connection, scanning the code the projector shows at that moment (the 30-second code, signed as the screen signs
it) and scanning a second time right after (a shaky hand, a second tap):

- paced: the members arrive evenly over `--spread` seconds (300 in two minutes, the issue's figure);
- burst: the attendance reset, all of them at once, `--connections` at a time.

After each phase it reads the database: every invitee has exactly one check-in time and exactly one audit entry for
it, the meeting still has exactly its invitees' rows (no lost, no doubled row), and the phones were told 签到成功
once each and 您已签到 once each. Then wrk (Debian's package `wrk`) gives the ceiling: one signed-in member scanning
the printed code again and again. The last line gives both phases' p95 latency and the verdict (target: no lost or
doubled row, every answer right, p95 under one second on the paced phase).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from served import demo_database, gunicorn, sign_in  # noqa: E402

DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_checkin"
PASSWORD = "bench-checkin-2026"  # nosec B105: a scratch database's accounts, dropped at the next run
SECRET = os.urandom(32).hex()  # the server's and this script's: the codes are signed with it

def prepare(url: str, wanted: int) -> tuple[int, list[str]]:
    """A fresh database: the demo county, `wanted` members with accounts, today's meeting inviting them all.
    Returns (meeting id, usernames)."""
    app = demo_database(url, SECRET)
    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.models import Attendance, AttendanceStatus, Meeting, MeetingKind, Member, Role, Unit, User
    from app.pinyin import search_key
    from app.timeutil import BEIJING

    with app.app_context():  # type: ignore[attr-defined]
        members = list(db.session.scalars(sa.select(Member).where(Member.active).order_by(Member.id)))
        model = members[0]
        while len(members) < wanted:  # plain members like the first, for a county larger than the demo's
            n = len(members) + 1
            extra = Member(code=f"B{n:05d}", name=f"签到{n:03d}", search_key=search_key(f"签到{n:03d}"),
                           gender=model.gender, sector_id=model.sector_id, term_id=model.term_id, active=True)
            db.session.add(extra)
            members.append(extra)
        members = members[:wanted]
        taken = set(db.session.scalars(sa.select(User.member_id).where(User.member_id.is_not(None))))
        digest = hash_password(PASSWORD, app.config)  # one hash for all: the sign-ins still verify each
        names = []
        for i, member in enumerate(members):
            if member.id in taken:
                db.session.execute(sa.update(User).where(User.member_id == member.id)
                                   .values(password_hash=digest, must_change_password=False, active=True))
                names.append(db.session.scalar(sa.select(User.username).where(User.member_id == member.id)))
                continue
            db.session.add(User(username=f"phone{i:04d}", display_name=member.name, role=Role.MEMBER,
                                member_id=member.id, password_hash=digest, must_change_password=False))
            names.append(f"phone{i:04d}")
        db.session.flush()
        now = dt.datetime.now(BEIJING)
        if now.hour >= 22:
            raise SystemExit("run this bench before 22:00 Beijing time: the meeting must fit in today")
        organiser = db.session.scalar(sa.select(Unit).where(Unit.name == "提案委员会")) or model.sector
        meeting = Meeting(kind=MeetingKind.INSPECTION.value, title="扫码签到压力测试", held_on=now.date(),
                          unit_id=organiser.id, location="县政协会议室",
                          starts_at=(now + dt.timedelta(minutes=30)).time().replace(second=0, microsecond=0),
                          ends_at=(now + dt.timedelta(minutes=115)).time().replace(second=0, microsecond=0),
                          grace_minutes=10,
                          attendance=[Attendance(member_id=m.id, status=AttendanceStatus.PRESENT) for m in members])
        db.session.add(meeting)
        db.session.commit()
        return meeting.id, names


def tokens(url: str, meeting_id: int, seconds: int) -> dict[str, str]:
    """The projector's code for every 30-second slot from now to `seconds` ahead, as the screen would show it."""
    from app import create_app
    from app.extensions import db
    from app.meetings import checkin
    from app.models import Meeting

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        first = checkin.current_slot()
        return {str(s): checkin.token(meeting, s) for s in range(first - 1, first + seconds // 30 + 3)}


def reset(url: str, meeting_id: int) -> None:
    """Every invitee back to 出席 without a check-in, and the check-ins' audit entries gone (a scratch database)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE entity = 'attendance' AND entity_id IN "
                             f"(SELECT id FROM attendance WHERE meeting_id = {meeting_id})"))
        conn.execute(sa.text(f"UPDATE attendance SET checked_in_at = NULL, status = 'PRESENT' "
                             f"WHERE meeting_id = {meeting_id}"))
    engine.dispose()


def verify(url: str, meeting_id: int, invited: int) -> list[str]:
    """What is wrong in the database after a phase: lost or doubled check-ins, rows or audit entries."""
    engine = sa.create_engine(url)
    problems = []
    with engine.connect() as conn:
        rows, scanned = conn.execute(sa.text(
            "SELECT count(*), count(checked_in_at) FROM attendance WHERE meeting_id = :m"), {"m": meeting_id}).one()
        if rows != invited:
            problems.append(f"{rows} attendance rows for {invited} invitees")
        if scanned != invited:
            problems.append(f"{invited - scanned} invitees without a check-in time (lost)")
        counts = conn.execute(sa.text(
            "SELECT a.id, count(l.id) FROM attendance a LEFT JOIN audit_log l ON l.entity = 'attendance' "
            "AND l.entity_id = a.id AND l.field = 'checked_in_at' WHERE a.meeting_id = :m GROUP BY a.id"),
            {"m": meeting_id}).all()
        doubled = sum(1 for _id, n in counts if n > 1)
        missing = sum(1 for _id, n in counts if n == 0)
        if doubled:
            problems.append(f"{doubled} check-ins recorded more than once")
        if missing:
            problems.append(f"{missing} check-ins without their audit entry")
    engine.dispose()
    return problems


def scan(base: str, cookie: str, codes: dict[str, str]) -> tuple[float, int, str]:
    """One phone's scan of the code on the screen now, on its own connection: (seconds, status, what it was told)."""
    from app.meetings import checkin
    host, port = base.removeprefix("http://").split(":")
    began = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", "/meetings/checkin/" + codes[str(checkin.current_slot())], headers={"Cookie": cookie})
        answer = conn.getresponse()
        body = answer.read().decode("utf-8", "replace")
        status = answer.status
    finally:
        conn.close()
    took = time.perf_counter() - began
    told = "ok" if "签到成功" in body else "again" if "您已签到" in body else f"{status} {body[:200]}"
    return took, status, told


def phase(base: str, cookies: list[str], spread: float, connections: int, codes: dict[str, str]) -> dict[str, object]:
    """Every phone scans twice, the second right after the first; with `spread`, phone i starts at i × spread / n
    seconds (evenly over the spread), else all start at once, `connections` at a time."""
    began = time.perf_counter()

    def phone(i: int) -> list[tuple[float, int, str]]:
        if spread:
            time.sleep(max(0.0, began + i * spread / len(cookies) - time.perf_counter()))
        return [scan(base, cookies[i], codes), scan(base, cookies[i], codes)]

    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        answers = [a for pair in pool.map(phone, range(len(cookies))) for a in pair]
    took = time.perf_counter() - began
    told = [t for _s, _c, t in answers]
    latencies = sorted(s * 1000 for s, _c, _t in answers)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    wrong = [t for t in told if t not in ("ok", "again")]
    return {"first": told.count("ok"), "second": told.count("again"), "wrong": len(wrong),
            "sample": wrong[0] if wrong else "", "p50": pct(.5), "p95": pct(.95), "p99": pct(.99),
            "max": latencies[-1], "seconds": took}


def ceiling(base: str, cookie: str, path: str, seconds: int, connections: int) -> float:
    """wrk's scans per second of one signed-in member scanning the printed code again and again (every answer
    您已签到: the check-in path's reads, no write), the most the server answers."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", f"Cookie: {cookie}",
                          base + path], check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def printed_path(meeting_id: int) -> str:
    from app import create_app
    from app.extensions import db
    from app.meetings import checkin
    from app.models import Meeting

    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE, "SECRET_KEY": SECRET})
    with app.app_context():
        return "/meetings/checkin/" + checkin.printed_token(db.session.get(Meeting, meeting_id))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--spread", type=int, default=120, help="seconds over which the paced phase's phones arrive")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=30, help="phones scanning at once in the burst")
    parser.add_argument("--seconds", type=int, default=10, help="length of wrk's run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    meeting_id, usernames = prepare(DATABASE, args.members)
    results = {}
    # the phones sign in from this one address, which a real network never does: the sign-in limit is raised here
    with gunicorn(DATABASE, SECRET, args.workers, LOGIN_RATE_LIMIT="100000 per minute") as base:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            signed = list(pool.map(lambda u: sign_in(base, u, PASSWORD), usernames))
        cookies = [c for c, _t in signed]
        logins = sorted(t for _c, t in signed)
        print(f"sign-in of {len(cookies)} members, 4 at a time (argon2 each, not part of the scans): "
              f"p95 {logins[int(len(logins) * .95)] * 1000:.0f} ms")
        for name, spread, connections in (("paced", args.spread, args.members), ("burst", 0, args.connections)):
            reset(DATABASE, meeting_id)
            result = phase(base, cookies, spread, connections, tokens(DATABASE, meeting_id, args.spread + 60))
            result["problems"] = verify(DATABASE, meeting_id, args.members)
            results[name] = result
            print(f"{name}: {result['first']} told 签到成功 and {result['second']} 您已签到 "
                  f"({result['wrong']} other answers) in {result['seconds']:.1f} s; "
                  f"latency p50 {result['p50']:.0f} ms, "
                  f"p95 {result['p95']:.0f} ms, p99 {result['p99']:.0f} ms, max {result['max']:.0f} ms; "
                  f"database: {', '.join(result['problems']) or 'every invitee checked in once'}")
            if result["sample"]:
                print(f"  first other answer: {result['sample']}")
        rate = ceiling(base, cookies[0], printed_path(meeting_id), args.seconds, 8)
        print(f"wrk, one member scanning again and again over 8 connections for {args.seconds} s: {rate:.0f} scans/s")
    paced, burst = results["paced"], results["burst"]
    right = all(r["first"] == args.members and r["second"] == args.members and r["wrong"] == 0 and not r["problems"]
                for r in results.values())
    verdict = "" if right and paced["p95"] < 1000 else " — TARGET MISSED"
    print(f"checkin_load: {args.members} members over {args.spread} s, p95 {paced['p95']:.0f} ms (target < 1000 ms); "
          f"{args.connections} at a time p95 {burst['p95']:.0f} ms, all {args.members} in {burst['seconds']:.1f} s; "
          f"{'no lost or doubled row' if right else 'WRONG ROWS OR ANSWERS'}; ceiling {rate:.0f} scans/s; "
          f"gunicorn {args.workers} workers on PostgreSQL{verdict}")


if __name__ == "__main__":
    main()
