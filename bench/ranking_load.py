"""ranking_load: the demo county's ranking page under load, against the app's own trivial health endpoint.

Run: .venv/bin/python bench/ranking_load.py [--workers N] [--seconds S] [--connections C]
It makes a scratch PostgreSQL database (bench_load, dropped and made anew), loads the demo county, runs the
members' annual review, starts gunicorn with N sync workers on 127.0.0.1, signs in as the office, and points wrk
(Debian's package `wrk`) from localhost first at /healthz, then at the review's ranking page, then at one member's
explanation, each for S seconds with C connections (bounded: the same numbers for each). The last line is the
verdict: the ranking page's requests per second as a share of the health endpoint's (target >= 50%).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from served import demo_database, gunicorn, sign_in  # noqa: E402

DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"


def prepare(url: str) -> tuple[int, int]:
    """A fresh database with the demo county and a frozen annual review: (review id, a subject id)."""
    app = demo_database(url)
    from app.extensions import db
    from app.reviews import services as reviews

    with app.app_context():  # type: ignore[attr-defined]
        review = reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025", None)
        db.session.commit()
        first = reviews.rows(review)[0].subject_id
        return review.id, first


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None) -> tuple[float, str]:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)
    return rate, p50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    review_id, subject_id = prepare(DATABASE)
    with gunicorn(DATABASE, os.urandom(32).hex(), args.workers) as base:
        cookie, _took = sign_in(base, "office", "demo2025")
        pages = {"health": f"{base}/healthz", "ranking": f"{base}/reviews/{review_id}",
                 "explanation": f"{base}/reviews/{review_id}/subjects/{subject_id}"}
        for url in pages.values():  # warm every worker's caches (rule files, templates) before timing
            for _ in range(args.workers * 3):
                urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})).read()
        results = {}
        for name, url in pages.items():
            results[name] = wrk(url, args.seconds, args.connections, None if name == "health" else cookie)
            print(f"{name}: {results[name][0]:.0f} requests/s, median latency {results[name][1]}")
    health, ranking, explanation = (results[k][0] for k in ("health", "ranking", "explanation"))
    print(f"ranking_load: ranking page {ranking / health:.0%} of /healthz throughput (target >= 50%), "
          f"explanation {explanation / health:.0%}; {ranking:.0f} vs {health:.0f} requests/s, gunicorn "
          f"{args.workers} workers on PostgreSQL, wrk {args.connections} connections x {args.seconds} s")


if __name__ == "__main__":
    main()
