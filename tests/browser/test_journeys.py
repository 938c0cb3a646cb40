"""Each demo user signs in and visits every page of their navigation (and the first request,
loan, asset, valuation report and pool tab those pages link to), in English and Chinese, at a
desktop (1366 px) and a phone (390 px) width, and at a tablet (768 px, Chinese) and a wide
screen (1920 px, English): no console error, no page wider than the viewport, and a screenshot
of each page for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import slug
from tests.browser.pages import Tab, detail_paths, nav_paths, overflow

USERS = {
    "sme": "owner@lumina.demo",
    "officer": "officer@pearlbank.demo",
    "approver": "approver@pearlbank.demo",
    "bureau": "pool@bureau.demo",
    "admin": "admin@bureau.demo",
}
WIDTHS = {
    "desktop": (1366, 900),
    "phone": (390, 844),
    "tablet": (768, 1024),
    "wide": (1920, 1080),
}
# Desktop and phone in both languages; tablet and wide in one language each (Chinese, whose
# labels wrap most, on the tablet; English on the wide screen), to keep the run short.
LAYOUTS = [
    ("en", "desktop"),
    ("en", "phone"),
    ("zh", "desktop"),
    ("zh", "phone"),
    ("zh", "tablet"),
    ("en", "wide"),
]


@pytest.mark.parametrize(("lang", "width"), LAYOUTS)
@pytest.mark.parametrize("who", list(USERS))
def test_user_visits_every_page_of_their_nav(
    browser: Any, site_url: str, shots_dir: Path, who: str, lang: str, width: str
) -> None:
    w, h = WIDTHS[width]
    tab = Tab(browser, site_url, lang, (w, h))
    page, errors = tab.page, tab.errors
    prefix = shots_dir / f"{who}-{lang}-{width}"
    problems: list[str] = []
    try:
        tab.sign_in(USERS[who])
        paths = nav_paths(page)
        assert paths, f"{who} has no navigation links"
        details: dict[int, str] = {}
        for path in paths:
            problems += visit(page, site_url, path, errors, prefix)
            detail_paths(page, details)
        done: set[str] = set()
        while pending := [p for p in details.values() if p not in done]:
            for path in pending:  # a detail page may link to the next kind (asset -> report)
                done.add(path)
                problems += visit(page, site_url, path, errors, prefix)
                detail_paths(page, details)
    finally:
        tab.close()
    assert not problems, f"{who} ({lang}, {w} px):\n" + "\n".join(problems)


def visit(page: Any, site_url: str, path: str, errors: list[str], prefix: Path) -> list[str]:
    """Open `path`; what is wrong with it (HTTP error, too wide, console errors); screenshot."""
    problems: list[str] = []
    errors.clear()
    response = page.goto(f"{site_url}{path}")
    status = response.status if response else 0
    if status >= 400:
        problems.append(f"{path}: HTTP {status}")
    too_wide = overflow(page)
    if too_wide:
        problems.append(f"{path}: wider than the viewport: {'; '.join(too_wide)}")
    if errors:
        problems.append(f"{path}: console errors: {errors[:3]}")
    # JPEG: several times quicker to encode than PNG for a full page, and small enough to keep.
    page.screenshot(path=f"{prefix}-{slug(path)}.jpg", full_page=True, type="jpeg", quality=80)
    return problems
