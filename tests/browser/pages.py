"""What the browser tests check on a page: console errors, overflow, a screenshot."""

from __future__ import annotations

import re
from typing import Any

# Elements wider than the viewport that are not inside a scrolling (or clipping) box; the
# innermost ones are reported, each by a short CSS path.
OVERFLOW_JS = """
() => {
  const limit = window.innerWidth;
  if (document.documentElement.scrollWidth <= limit) return [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    const cls = [...el.classList].slice(0, 2);
    if (cls.length) s += '.' + cls.join('.');
    const parent = el.parentElement;
    if (parent) {
      const same = [...parent.children].filter((c) => c.tagName === el.tagName);
      if (same.length > 1) s += ':nth-of-type(' + (same.indexOf(el) + 1) + ')';
    }
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 5; e = e.parentElement) {
      parts.unshift(name(e));
      if (e.id) break;
    }
    return parts.join(' > ');
  };
  const wide = [...document.body.querySelectorAll('*')].filter(
    (el) => el.getBoundingClientRect().right > limit + 1 && !clipped(el));
  const inner = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)));
  return inner.slice(0, 5).map((el) =>
    path(el) + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + ' px)');
}
"""

NAV_LINKS_JS = """
() => [...document.querySelectorAll('header .nav a[href], header a.bell[href]')]
  .map((a) => new URL(a.href).pathname)
"""


MAIN_LINKS_JS = """
() => [...document.querySelectorAll('main a[href]')].map((a) => new URL(a.href).pathname)
"""

# Pages behind the nav a journey also opens: the first of each kind linked from a nav page.
DETAIL_PAGES = [
    re.compile(r"^/financing/\d+$"),  # a request and its offers side by side
    re.compile(r"^/loans/\d+$"),  # a loan and its schedule
    re.compile(r"^/assets/\d+$"),  # an asset
    re.compile(r"^/assets/\d+/valuation$"),  # its valuation report
    re.compile(r"^/pool/claims/?$"),  # the pool's tabs
    re.compile(r"^/pool/claims/\d+$"),  # a claim: its split or the decision form
    re.compile(r"^/pool/ledger/?$"),
    re.compile(r"^/pool/schemes/?$"),
]


def detail_paths(page: Any, found: dict[int, str]) -> None:
    """Note in `found` the first link of each DETAIL_PAGES kind on this page."""
    for path in page.evaluate(MAIN_LINKS_JS):
        for i, pattern in enumerate(DETAIL_PAGES):
            if i not in found and pattern.match(path):
                found[i] = path


def overflow(page: Any) -> list[str]:
    """Selectors of the elements that make the page wider than the viewport (empty if none)."""
    found: list[str] = page.evaluate(OVERFLOW_JS)
    return found


def nav_paths(page: Any) -> list[str]:
    """The paths of the signed-in user's navigation links, in order, without repeats."""
    seen: list[str] = []
    for path in page.evaluate(NAV_LINKS_JS):
        if path not in seen:
            seen.append(path)
    return seen


PASSWORD = "demo-pass-2026"  # seeds/demo/users.json


class Tab:
    """One signed-in user's page in a browser context of its own, noting console errors."""

    def __init__(self, browser: Any, site_url: str, lang: str, size: tuple[int, int]) -> None:
        self.site_url = site_url
        self.context = browser.new_context(
            viewport={"width": size[0], "height": size[1]}, locale=lang
        )
        self.context.add_cookies([{"name": "lang", "value": lang, "url": site_url}])
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.on("dialog", lambda d: d.accept())  # data-confirm asks before some posts
        self.errors: list[str] = []
        self.page.on(
            "console", lambda m: self.errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def sign_in(self, email: str) -> None:
        """Sign in through the login form."""
        self.page.goto(f"{self.site_url}/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main form [type=submit]")
        assert "/login" not in self.page.url, f"{email} could not sign in"

    def close(self) -> None:
        """Close the context (and its page)."""
        self.context.close()
