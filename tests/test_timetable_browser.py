"""In Debian's Chromium: the office's home and the year page show the demo county's timetable as a timeline, at
desktop width and at 360 px without a page-wide horizontal scroll. Screenshots are kept (BROWSER_SHOTS=dir, else
pytest's tmp_path)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


@pytest.mark.parametrize("width", [1280, 360])
def test_the_timeline_on_the_office_home_and_the_year_page(live_demo, tmp_path, width):
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("BROWSER_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = demo_page(browser, live_demo, width)
        timeline = page.locator("ol.timeline")
        expect(timeline).to_contain_text("半年小结")
        expect(timeline.locator("li")).to_have_count(7)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"timetable-home-{width}.png"), full_page=True)
        page.goto(f"{live_demo}/setup/years/2025")
        expect(page.locator("h1")).to_contain_text("2025年度时间安排")
        expect(page.locator("body")).to_contain_text("本年已召开 2 次")
        expect(page.locator("input[name=entry_opens_on]")).to_have_value("2025-01-01")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"timetable-year-{width}.png"), full_page=True)
        browser.close()
