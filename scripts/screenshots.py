"""Screenshot pages as each demo user sees them, in Debian's Chromium (a developer's look, not a test).

Usage: python scripts/screenshots.py BASE_URL OUT_DIR USER:PATH[,PATH…] …   (password: demo2025)
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def main(base: str, out: str, specs: list[str]) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for spec in specs:
            user, _, paths = spec.partition(":")
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            if user != "anon":
                page.goto(f"{base}/auth/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", "demo2025")
                page.click("input[type=submit]")
            for path in paths.split(","):
                page.goto(base + path)
                name = f"{user}{path}".replace("/", "_").replace("?", "_").replace("=", "-").replace("&", "_")
                page.screenshot(path=f"{out}/{name}.png", full_page=True)
                print(f"{out}/{name}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
