"""One loan from request to compensation, driven through the real pages in Chromium: the SME
asks, the officer offers, the approver approves, the SME accepts, the officer pays out after
the preview, the admin moves the business date after its preview until the loan is
non-performing, the bank files a claim and the bureau approves it after its preview.

Each step asserts what the user sees: the state labels in the page's language and figures
that follow from the offer (the amount paid out, the schedule's principal summing to it, the
first instalment on the preview equal to the schedule's first row, the pool's payment on the
preview equal to the one announced after). Run in English at 1366 px and in Chinese at 390 px,
each on a fresh copy of the demo; every page is checked for console errors and overflow and
saved as a screenshot."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations

from market.domain import holidays
from market.domain.money import format_fen
from tests.browser.conftest import slug
from tests.browser.pages import Tab, overflow

TRANSLATIONS = Path(__file__).resolve().parents[2] / "market" / "translations"
RUNS = {"en-desktop": ("en", (1366, 900)), "zh-phone": ("zh", (390, 844))}
SME, OFFICER, APPROVER = "owner@lumina.demo", "officer@pearlbank.demo", "approver@pearlbank.demo"
BUREAU, ADMIN = "pool@bureau.demo", "admin@bureau.demo"
BANK = "Pearl River Commercial Bank (demo)"  # seeds/demo/organisations.json
# The 2023 five-tier rule as the demo sets it: substandard (non-performing) once more than 90
# days past due (admin clock page). The first instalment falls due about a month after the
# payout, so 150 days later it is about 120 days past due.
DAYS_TO_DEFAULT = 150


class Journey:
    """The users' tabs of one run, and what each page showed that was wrong."""

    def __init__(self, browser: Any, site: str, lang: str, size: tuple[int, int], shots: Path):
        self.browser, self.site, self.lang, self.size = browser, site, lang, size
        self.shots = shots
        self.tabs: dict[str, Tab] = {}
        self.problems: list[str] = []
        self.step = 0
        self.catalog = Translations.load(str(TRANSLATIONS), [lang])

    def t(self, msgid: str) -> str:
        """The label as the reader's language shows it."""
        return str(self.catalog.gettext(msgid)) if self.lang != "en" else msgid

    def as_user(self, email: str) -> Any:
        """The page of `email`, signed in on first use."""
        if email not in self.tabs:
            tab = Tab(self.browser, self.site, self.lang, self.size)
            tab.sign_in(email)
            self.tabs[email] = tab
        return self.tabs[email].page

    def go(self, email: str, path: str) -> Any:
        """Open `path` as `email`; the page."""
        page = self.as_user(email)
        response = page.goto(f"{self.site}{path}")
        assert response is not None and response.status < 400, f"{path}: HTTP error"
        return page

    def check(self, email: str, name: str) -> None:
        """Note the page's console errors and overflow; save its screenshot."""
        tab = self.tabs[email]
        page = tab.page
        page.wait_for_load_state()
        where = f"step {self.step} {name} ({page.url})"
        if tab.errors:
            self.problems.append(f"{where}: console errors: {tab.errors[:3]}")
            tab.errors.clear()
        too_wide = overflow(page)
        if too_wide:
            self.problems.append(f"{where}: wider than the viewport: {'; '.join(too_wide)}")
        self.step += 1
        w = self.size[0]
        path = self.shots / f"journey-{self.lang}-{w}-{self.step:02d}-{slug(name)}.jpg"
        page.screenshot(path=str(path), full_page=True, type="jpeg", quality=80)

    def close(self) -> None:
        """Close every tab."""
        for tab in self.tabs.values():
            tab.close()


def submit(page: Any, selector: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def flashes(page: Any) -> str:
    """The flash messages on the page (to explain a failed step)."""
    shown = page.locator(".flash, .error").all_inner_texts()
    return " | ".join(shown) or page.locator("main").inner_text()[:300]


def fact(page: Any, label: str) -> str:
    """The value beside `label` in the preview's facts."""
    return str(page.locator("dl.facts dt", has_text=label).locator("xpath=following-sibling::dd[1]")
               .first.inner_text().strip())


def fen(text: str) -> int:
    """An amount shown as '¥1,234.56' in fen."""
    found = re.search(r"¥\s*([\d,]+)\.(\d\d)", text)
    assert found, f"no amount in {text!r}"
    return int(found.group(1).replace(",", "")) * 100 + int(found.group(2))


@pytest.mark.parametrize("run", list(RUNS))
def test_a_loan_from_request_to_approved_claim(
    browser: Any, fresh_site: str, shots_dir: Path, run: str
) -> None:
    lang, size = RUNS[run]
    j = Journey(browser, fresh_site, lang, size, shots_dir)
    try:
        walk(j)
    finally:
        j.close()
    assert not j.problems, f"loan journey ({lang}, {size[0]} px):\n" + "\n".join(j.problems)


def walk(j: Journey) -> None:
    """The journey's steps, each asserting what its user sees."""
    # 1. The SME asks Pearl River bank for half the maximum loan of its first eligible asset.
    page = j.go(SME, "/financing/new")
    box = page.locator("input[name=asset_ids]:not(:checked)").first
    max_loan = int(box.get_attribute("data-max-loan"))
    amount = max_loan // 2 // 100_000 * 100_000  # whole thousands of CNY, in fen
    assert amount > 0, "the demo asset supports no loan"
    box.check()
    page.fill("input[name=amount]", str(amount // 100))
    page.fill("input[name=term_months]", "12")
    page.select_option("select[name=bank_id]", label=BANK)
    page.fill("textarea[name=purpose]", "Moulds for the Crescent pendant lamp")
    j.check(SME, "request form")
    submit(page, "main form [type=submit][name=submit]")
    assert re.search(r"/financing/\d+$", page.url), f"the request was not sent: {page.url}"
    request_path = page.url.removeprefix(j.site)
    assert page.locator("h1 .badge.lend-open").inner_text() == j.t("Open")
    j.check(SME, "request sent")

    # 2. The officer proposes 4.35 % a year, equal instalments, for the amount asked.
    page = j.go(OFFICER, request_path)
    assert page.locator("input[name=amount]").input_value() == str(amount // 100)
    page.fill("input[name=rate]", "4.35")
    page.select_option("select[name=repayment_type]", "equal_instalment")
    page.fill("input[name=rating_grade]", "A")
    submit(page, "#offer-form [type=submit]")
    badge = page.locator(".badge.lend-pending_approval").first
    assert badge.inner_text() == j.t("Waiting for approval")
    j.check(OFFICER, "offer proposed")

    # 3. The approver approves it.
    page = j.go(APPROVER, request_path)
    assert format_fen(amount) in page.locator("section.decide h2").inner_text()
    submit(page, "section.decide button[value=approve]")
    assert page.locator(".badge.lend-approved").first.inner_text() == j.t("Approved")
    j.check(APPROVER, "offer approved")

    # 4. The SME sees the offer (amount, 4.35 %) and accepts it: the loan awaits payout.
    page = j.go(SME, request_path)
    compare = page.locator("table.compare").inner_text()
    assert format_fen(amount) in compare and "4.35" in compare
    j.check(SME, "offer to accept")
    submit(page, "table.compare form button[type=submit]")
    assert re.search(r"/loans/\d+$", page.url), f"no loan after accepting: {page.url}"
    loan_path = page.url.removeprefix(j.site)
    badge = page.locator("h1 .badge.lend-awaiting_disbursement")
    assert badge.inner_text() == j.t("Awaiting disbursement")
    j.check(SME, "loan awaiting payout")

    # 5. The officer pays it out: the preview shows the amount and the first instalment; after
    #    confirming, the loan is active and its schedule's first row is that instalment.
    page = j.go(OFFICER, loan_path)
    submit(page, f"form[action='{loan_path}/disburse'] button[type=submit]")
    assert page.locator("section.preview").count() == 1, "no preview before the payout"
    assert fen(fact(page, j.t("Amount paid out"))) == amount
    first = fen(fact(page, j.t("First instalment")))
    j.check(OFFICER, "payout preview")
    submit(page, "section.preview form button[type=submit]")
    assert page.url.endswith(loan_path)
    assert page.locator("h1 .badge.lend-active").inner_text() == j.t("Active")
    rows = page.locator("table.schedule tbody tr")
    assert rows.count() == 12
    cells = rows.first.locator("td")
    assert fen(cells.nth(2).inner_text()) + fen(cells.nth(3).inner_text()) == first
    total = page.locator("table.schedule tfoot td").nth(1).inner_text()
    assert fen(total) == amount, "the schedule's principal does not add up to the loan"
    paid_out = max(date.fromisoformat(d) for d in page.eval_on_selector_all(
        "time[datetime]", "els => els.map((e) => e.getAttribute('datetime')).filter(Boolean)"))
    j.check(OFFICER, "loan paid out")

    # 6. The admin moves the business date on past the 90 days, after its preview.
    page = j.go(ADMIN, "/admin/clock")
    today = paid_out + timedelta(days=DAYS_TO_DEFAULT)
    page.fill("input[name=day]", today.isoformat())
    submit(page, "main form:has(input[name=day]) [type=submit]")
    assert page.locator("section.preview").count() == 1, "no preview before the date moves"
    assert int(fact(page, j.t("Loans reclassified"))) >= 1
    j.check(ADMIN, "date move preview")
    submit(page, "section.preview form button[type=submit]")
    assert page.url.endswith("/admin/clock")
    j.check(ADMIN, "date moved")

    # 7. The loan is substandard; the officer files a claim on it. The demo has holiday
    #    calendars only for the years built in; a claim whose working-day deadline falls in a
    #    later year is refused, so the admin enters that year first (holidays page).
    if today.year not in holidays.years_known():
        enter_calendar(j, today.year)
    page = j.go(OFFICER, loan_path)
    assert page.locator(".badge.klass-substandard").first.inner_text() == j.t("Substandard")
    page.fill("textarea[name=note]", "Two reminders sent; the borrower stopped paying.")
    if page.locator("input[name=loss_confirmed_on]").count():  # the demo scheme asks for it
        page.fill("input[name=loss_confirmed_on]", today.isoformat())
    submit(page, f"form[action='{loan_path}/claim'] [type=submit]")
    claim = page.locator(".badge.claim-filed")
    assert claim.count() == 1, f"no claim filed: {flashes(page)}"
    assert claim.inner_text() == j.t("Filed")
    claim_id = re.sub(r"\D", "", page.locator("h3:has(.badge.claim-filed)").inner_text())
    j.check(OFFICER, "claim filed")

    # 8. The bureau approves it after the preview (the demo sets no second-approval
    #    threshold, so one bureau user decides); the pool pays what the preview said.
    page = j.go(BUREAU, f"/pool/claims/{claim_id}")
    submit(page, f"form[action$='/claims/{claim_id}/decide'] [name=approve]")
    assert page.locator("section.preview").count() == 1, "no preview before the approval"
    pays = fen(fact(page, j.t("The pool pays now")))
    before = fen(fact(page, j.t("Pool balance before")))
    assert fen(fact(page, j.t("Pool balance after"))) == before - pays
    assert 0 < pays <= amount
    j.check(BUREAU, "claim approval preview")
    submit(page, "section.preview form button[type=submit]")
    assert page.locator(".status-claim-approved").first.inner_text() == j.t("Approved")
    assert format_fen(pays) in page.locator(".flashes").inner_text()
    j.check(BUREAU, "claim approved")


def enter_calendar(j: Journey, year: int) -> None:
    """The admin enters a year's holidays on the holidays page: here only the fixed-date
    statutory days (New Year, Labour Day, National Day 1-3 October, per the State Council's
    rules on national holidays); a test calendar, not the year's notice."""
    page = j.go(ADMIN, "/admin/holidays")
    page.fill("input[name=year]", str(year))
    days = [f"{year}-01-01", f"{year}-05-01", f"{year}-10-01", f"{year}-10-02", f"{year}-10-03"]
    page.fill("textarea[name=holidays]", "\n".join(days))
    page.fill("input[name=source]", f"Browser test: fixed-date statutory holidays of {year} only")
    submit(page, "main form [name=submit]")
    assert page.locator(".flash-success").count() == 1, f"calendar refused: {flashes(page)}"
    j.check(ADMIN, "calendar entered")
