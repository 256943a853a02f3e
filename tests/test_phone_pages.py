"""On a phone (Debian's Chromium at 360 × 740): every page a member, a 常委, a clerk or a liaison reaches from the home
page by links fits the screen (no sideways scroll of the page), the page's main button is on screen, and the header's
菜单 button opens the menu; a few key pages again at 390 × 844; at 1280 the menu is inline. The web app manifest is
linked and served, its icons load. All failures of a run are collected and reported together."""
from __future__ import annotations

import os
from collections import deque
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, ON_SQLITE, served
from werkzeug.exceptions import HTTPException

from app.extensions import db

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.skipif(not ON_SQLITE, reason="run once per CI run, on SQLite: how a page lays out on a phone "
                                 "does not depend on the database (tests/test_route_probe.py opens every route on both)"),
              pytest.mark.commits, pytest.mark.slow]

ROLES = ("member", "standing", "clerk", "clerk2", "liaison")
MAX_PAGES = 80  # per role
DOWNLOADS = (".xlsx", ".xls", ".pdf", ".docx", ".doc", ".zip", ".csv", ".png", ".jpg", ".jpeg")
SKIP_ENDPOINTS = {"main.set_language", "auth.logout", "static"}
KEY_PAGES = 5  # the first pages of each role's crawl, again at 390 × 844

# Links of the page that a crawl may follow: same origin, GET, not a download, not in the page's own header forms.
LINKS_JS = """() => [...document.querySelectorAll('a[href]')]
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)"""

# The measures of one page, in the page: the page no wider than the screen (and what sticks out), the first primary
# button inside <main> on screen.
MEASURE_JS = """() => {
  const out = {};
  const w = window.innerWidth;
  out.scrollWidth = document.documentElement.scrollWidth;
  out.innerWidth = w;
  if (out.scrollWidth > w) {
    const wide = [];
    for (const el of document.querySelectorAll('main *, header *')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > w + 1 && !el.closest('.table-wrap, .scroll-x')) {
        const tag = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
        wide.push(tag + ' → ' + Math.round(r.right));
      }
      if (wide.length >= 4) break;
    }
    out.wide = wide;
  }
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
                          getComputedStyle(el).visibility !== 'hidden'; };
  const name = el => (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 12);
  // a column squeezed to a character or two a line: a cell narrower than four characters whose text wraps to
  // three lines or more
  out.squeezed = [...document.querySelectorAll('main table td, main table th')]
    .filter(td => {
      if (!visible(td) || td.innerText.trim().length < 4) return false;
      const cs = getComputedStyle(td), size = parseFloat(cs.fontSize);
      const line = parseFloat(cs.lineHeight) || size * 1.5;
      const inner = td.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
      const width = td.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      return width < 4 * size && inner >= 3 * line - 2;
    })
    .slice(0, 3).map(td => name(td) + ' ' + Math.round(td.clientWidth) + 'px');
  // touch targets: buttons, pager links, tabs, row actions, header entries at least 44 px tall
  out.small = [...document.querySelectorAll(
      'main .btn, main button, main input[type=submit], .pager a, nav.tabs a, td.actions a, header.top a, ' +
      'header.top button, header.top .menu-button')]
    .filter(el => visible(el) && el.getBoundingClientRect().height < 43.5)
    .slice(0, 3).map(el => el.tagName.toLowerCase() + ' ' + name(el) + ' ' +
                            Math.round(el.getBoundingClientRect().height) + 'px');
  // text inputs at least 16 px (smaller makes iOS zoom in)
  out.tinyInputs = [...document.querySelectorAll(
      'main input:not([type=checkbox]):not([type=radio]):not([type=hidden]), main select, main textarea')]
    .filter(el => visible(el) && parseFloat(getComputedStyle(el).fontSize) < 16)
    .slice(0, 2).map(el => (el.name || el.id) + ' ' + getComputedStyle(el).fontSize);
  return out;
}"""
PRIMARY = "main .btn:not(.secondary):visible"


def _menu_opens(page) -> str | None:
    """None when the header's 菜单 button is visible and opens the menu (which is then closed again), else why not."""
    button = page.locator("header.top .menu-button")
    if not button.count() or not button.first.is_visible():
        return "菜单 button not visible"
    if button.first.bounding_box()["y"] > 4:
        return "菜单 button wrapped below the bar's first row"
    menu = page.locator("#site-menu")
    if menu.is_visible():
        return "menu open before the button is pressed"
    button.first.click()
    if not menu.is_visible():
        return "菜单 button does not open the menu"
    if button.first.get_attribute("aria-expanded") != "true":
        return "aria-expanded not true when open"
    if not page.locator("#site-menu a[href$='/auth/password']").is_visible():
        return "修改密码 not in the open menu"
    button.first.click()
    return None


def _primary_on_screen(page) -> str | None:
    """None when the first primary button in <main> (if any) lies within the screen's width after scrolling to it."""
    button = page.locator(PRIMARY)
    if not button.count():
        return None
    first = button.first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    width = page.evaluate("window.innerWidth")
    if box is None or box["x"] < 0 or box["x"] + box["width"] > width + 1:
        return f"primary button {first.inner_text()!r} off screen: {box}"
    return None


def _check(page, url: str, role: str, width: int, failures: list[str]) -> None:
    measure = page.evaluate(MEASURE_JS)
    where = f"{role}@{width} {url}"
    if measure["scrollWidth"] > measure["innerWidth"]:
        failures.append(f"{where}: page {measure['scrollWidth']}px wide > {measure['innerWidth']} "
                        f"({'; '.join(measure.get('wide', []))})")
    for measure_name, what in (("squeezed", "squeezed cells"), ("small", "touch targets under 44px"),
                               ("tinyInputs", "inputs under 16px")):
        if measure[measure_name]:
            failures.append(f"{where}: {what}: {measure[measure_name]}")
    has_header = page.locator("header.top").count() > 0  # the check-in screen for a projector has none
    for problem in (_primary_on_screen(page), _menu_opens(page) if has_header else None):
        if problem:
            failures.append(f"{where}: {problem}")


def _sign_in(browser, url: str, username: str, width: int, height: int):
    from app.demo import PASSWORD
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.goto(f"{url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


def _crawl_key(app, url: str, href: str) -> tuple[str, str] | None:
    """The crawl's key for a link — (endpoint, rule) — or None for a link not to follow."""
    parts = urlsplit(href)
    base = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != base.netloc:
        return None
    path, query = parts.path, parts.query
    if path.startswith("/static/") or path.lower().endswith(DOWNLOADS):
        return None
    if any(word in query for word in ("export=", "fmt=", "download=", "format=")):
        return None
    adapter = app.url_map.bind(base.netloc)
    try:
        rule, _args = adapter.match(path, method="GET", return_rule=True)
    except HTTPException:
        return None
    if rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.endswith((".export", ".download", ".pdf", ".xlsx")):
        return None
    return rule.endpoint, rule.rule


def test_every_page_of_the_member_clerk_and_liaison_roles_fits_a_phone(app, demo):
    from playwright.sync_api import sync_playwright

    from app.models import Setting
    db.session.add(Setting(key="password_max_age_days", value="0"))  # the demo's passwords never expire here
    db.session.commit()
    app.config.update(DEMO_MODE=True)
    failures: list[str] = []
    visited: dict[str, list[str]] = {}
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
        page.goto(f"{url}/auth/login")  # signed out: no menu, the language switch in the bar, nothing too wide
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            failures.append("sign-in page@360: wider than the screen")
        if not page.locator("header.top .who a.lang").first.is_visible():
            failures.append("sign-in page@360: the language switch is not visible")
        page.close()
        for role in ROLES:
            page = _sign_in(browser, url, role, 360, 740)
            if urlsplit(page.url).path.startswith("/auth/"):
                failures.append(f"{role}: could not sign in ({page.url})")
                page.close()
                continue
            menu = [link.split("#")[0] for link in page.eval_on_selector_all(
                "#site-menu nav a[href]", "links => links.map(a => a.href)")]
            seen: set[tuple[str, str]] = set()
            reached: set[tuple[str, str]] = set()  # pages that answered 200 and were measured
            queue: deque[str] = deque([f"{url}/", *menu])  # every menu entry early, however many pages follow
            pages: list[str] = visited.setdefault(role, [])
            while queue and len(pages) < MAX_PAGES:
                href = queue.popleft()
                key = _crawl_key(app, url, href)
                if key is None or key in seen:
                    continue
                seen.add(key)
                response = page.goto(href)
                if response is None or response.status >= 500:
                    failures.append(f"{role}@360 {href}: status {response and response.status}")
                    continue
                if response.status >= 400 or "application/" in (response.headers.get("content-type") or ""):
                    continue
                pages.append(href)
                reached.add(key)
                _check(page, href, role, 360, failures)
                for link in page.evaluate(LINKS_JS):
                    link = link.split("#")[0]
                    link_key = _crawl_key(app, url, link)
                    if link_key is not None and link_key not in seen:
                        queue.append(link)
            page.close()
            missed = [link for link in menu if _crawl_key(app, url, link) not in reached]
            if missed:
                failures.append(f"{role}: menu entries not reached by the crawl: {missed}")
            # the first pages again on a larger phone
            page = _sign_in(browser, url, role, 390, 844)
            for href in pages[:KEY_PAGES]:
                page.goto(href)
                _check(page, href, role, 390, failures)
            if role == "clerk":  # and in English (longer words) at 360
                page.goto(url + page.get_attribute("#site-menu a.lang", "href"))
                page.set_viewport_size({"width": 360, "height": 740})
                for href in pages[:KEY_PAGES]:
                    page.goto(href)
                    _check(page, href, "clerk/en", 360, failures)
            page.close()
        browser.close()
    for role in ROLES:
        assert len(visited.get(role, [])) >= 3, f"{role}: the crawl reached only {visited.get(role)}"
    assert not failures, f"{len(failures)} problems on phone pages:\n" + "\n".join(failures)


def test_the_desktop_header_shows_the_menu_inline_and_the_manifest_is_served(app, demo):
    from playwright.sync_api import sync_playwright

    from app.demo import PASSWORD

    from app.models import Setting
    db.session.add(Setting(key="password_max_age_days", value="0"))
    db.session.commit()
    app.config.update(DEMO_MODE=True)
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _sign_in(browser, url, "member", 1280, 900)
        assert not page.locator("header.top .menu-button").is_visible()
        nav = page.locator("#site-menu nav a")
        assert nav.count() >= 2 and all(nav.nth(i).is_visible() for i in range(nav.count()))
        assert page.locator("header.top a.notices-link").is_visible()
        assert page.locator("header.top button:has-text('退出')").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # on a phone the 通知 link stays in the bar, outside the closed menu
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.locator("header.top a.notices-link").is_visible()
        assert not page.locator("#site-menu").is_visible()

        href = page.get_attribute("link[rel=manifest]", "href")
        assert href
        response = page.request.get(url + href if href.startswith("/") else href)
        assert response.status == 200
        assert response.headers["content-type"].split(";")[0] in ("application/manifest+json", "application/json")
        manifest = response.json()
        assert manifest["name"] == "四个一 · 双比双争" and manifest["start_url"] == "/"
        assert manifest["display"] == "standalone" and manifest["theme_color"].lower() == "#b3261e"
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        assert {"192x192", "512x512"} <= sizes
        for icon in manifest["icons"]:
            got = page.request.get(f"{url}{icon['src']}" if icon["src"].startswith("/") else icon["src"])
            assert got.status == 200 and got.headers["content-type"] == "image/png", icon
        apple = page.get_attribute("link[rel=apple-touch-icon]", "href")
        got = page.request.get(url + apple)
        assert got.status == 200 and got.headers["content-type"] == "image/png"
        # the manifest is not blocked by the Content-Security-Policy
        csp = page.request.get(url + "/").headers["content-security-policy"]
        assert "manifest-src 'self'" in csp or "default-src 'self'" in csp
        page.close()
        # without script the 菜单 button (a checkbox's label) still opens the menu
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{url}/auth/login")
        page.fill("input[name=username]", "member")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{url}/")
        assert not page.locator("#site-menu").is_visible()
        page.click("header.top .menu-button")
        assert page.locator("#site-menu nav a").first.is_visible()
        assert page.locator("#site-menu button:has-text('退出')").is_visible()
        context.close()
        browser.close()
