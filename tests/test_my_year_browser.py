"""In Debian's Chromium: the member's home (我的本年) on a phone — no sideways scroll, the provisional score visible
without scrolling — and 拍照上传: a big photo set on the camera input is sent as a JPEG no longer than 1600 px.
Screenshots go to MYYEAR_SHOTS when set."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page, served
from PIL import Image

from app import evidence
from app.activities.services import evidence_dir
from app.extensions import db
from app.models import Activity, Evidence

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def test_the_members_home_reads_on_phones_and_a_big_photo_is_sent_small(app, demo, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("MYYEAR_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    big = tmp_path / "IMG_4000.png"
    Image.effect_mandelbrot((4000, 3000), (-2.0, -1.2, 1.0, 1.2), 60).convert("RGB").save(big)
    with Image.open(big) as check:
        assert check.size == (4000, 3000)
    app.config.update(DEMO_MODE=True)
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, height in ((360, 740), (390, 844), (1280, 900)):
            page = demo_page(browser, url, width, "member")
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{url}/")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            box = page.locator("#my-score").bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, (width, box)
            assert "暂计" in page.inner_text(".headline")
            page.screenshot(path=str(shots / f"my-year-{width}.png"), full_page=False)
            page.screenshot(path=str(shots / f"my-year-{width}-full.png"), full_page=True)
            page.close()
        page = demo_page(browser, url, 360, "member")
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{url}/activities/report/IDEA")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.select_option("select[name=kind]", "提案")
        page.fill("input[name=occurred_on]", "2025-03-01")
        page.fill("input[name=title]", "拍照上传的提案")
        page.select_option("select[name=outcome]", "提交")
        page.set_input_files("#files-camera", str(big))
        page.wait_for_selector(".photo-previews li img")
        assert "已缩小" in page.inner_text(".photo-previews")
        page.screenshot(path=str(shots / "report-photo-360.png"), full_page=True)
        page.locator("input[type=submit][name=send], button[name=send]").first.click()
        page.wait_for_url("**/activities/*")
        browser.close()
    db.session.expire_all()
    activity = db.session.scalar(sa.select(Activity).where(Activity.title == "拍照上传的提案"))
    kept = db.session.scalars(sa.select(Evidence).where(Evidence.activity_id == activity.id)).one()
    with Image.open(io.BytesIO(evidence.path_for(evidence_dir(), kept.sha256).read_bytes())) as stored:
        assert kept.content_type == "image/jpeg" and stored.format == "JPEG"
        assert max(stored.size) <= 1600 and stored.size == (1600, 1200)
    assert kept.original_name.endswith(".jpg")
