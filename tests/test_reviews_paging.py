"""A long ranking on screen goes a page at a time (the export keeps every row); a kept page is the same page."""
from __future__ import annotations

import re

import sqlalchemy as sa
from conftest import user_named

from app.demo import PASSWORD
from app.extensions import db
from app.reviews import reading
from app.reviews import services as reviews


def rows_on(page: str) -> list[str]:
    """The subjects of the ranking table (not of the 一票否决 block or the list of those not ranked, below it)."""
    return re.findall(r'href="/reviews/\d+/subjects/(\d+)"', page.split('id="unranked"')[0].split('id="vetoed"')[0])


def test_a_long_ranking_is_paged_and_the_export_has_every_row(app, client, annual_review):
    review = annual_review
    table = reviews.rows(review)
    vetoed = len([s for s, v in reading.verdicts(review).items() if v.vetoed])
    everyone = len([r for r in table if r.appraised]) - vetoed  # the vetoed: in a block of their own, below
    unranked = [r for r in table if not r.appraised]  # the demo's members set inactive: listed below, on each page
    assert unranked and everyone + vetoed + len(unranked) == len(table)
    app.config["DEMO_MODE"] = True
    client.post("/auth/login", data={"username": "office", "password": PASSWORD})
    size = app.config["RANKING_PAGE_SIZE"]
    first = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert len(rows_on(first)) == size and "下一页" in first
    assert all(f'/subjects/{r.subject_id}"' in first.split('id="unranked"')[1] for r in unranked)
    pages = -(-everyone // size)
    last = client.get(f"/reviews/{review.id}?page={pages}").get_data(as_text=True)
    assert len(rows_on(last)) == everyone - size * (pages - 1)
    seen = {s for n in range(1, pages + 1)
            for s in rows_on(client.get(f"/reviews/{review.id}?page={n}").get_data(as_text=True))}
    assert len(seen) == everyone
    export = client.get(f"/reviews/{review.id}?export=csv").get_data(as_text=True)
    assert len(export.strip().splitlines()) == everyone + vetoed + 1  # a header, then every row, vetoed last
    # a kept page follows the review's state: once a newer version is run, the old one says so
    assert "已被新版本取代" not in first
    reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025", user_named("office"))
    db.session.commit()
    assert "已被新版本取代" in client.get(f"/reviews/{review.id}").get_data(as_text=True)
