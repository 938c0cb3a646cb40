"""Legal terms of protection fixed by Chinese law, used to derive expiry dates."""

from __future__ import annotations

from datetime import date, timedelta

from market.domain.kinds import AssetKind

# Designs filed from 2021-06-01 (fourth amendment of the Patent Law) get 15 years.
DESIGN_15_YEARS_FROM = date(2021, 6, 1)
MARK_TERM_YEARS = 10


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 Feb falls back to 28 Feb)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def derived_expiry(
    kind: AssetKind, *, filing_date: date, grant_date: date | None, renewals: int = 0
) -> date | None:
    """Last day of protection where the law fixes it; None when it cannot be known yet."""
    if kind is AssetKind.INVENTION_PATENT:
        return add_years(filing_date, 20) - timedelta(days=1)
    if kind is AssetKind.UTILITY_MODEL:
        return add_years(filing_date, 10) - timedelta(days=1)
    if kind is AssetKind.DESIGN_PATENT:
        years = 15 if filing_date >= DESIGN_15_YEARS_FROM else 10
        return add_years(filing_date, years) - timedelta(days=1)
    # Marks: ten years from registration, renewable by ten-year terms.
    if grant_date is None:
        return None
    return add_years(grant_date, MARK_TERM_YEARS * (1 + max(renewals, 0))) - timedelta(days=1)
