"""China's public holidays and make-up working days (调休), for working-day deadlines.

The State Council publishes each year's schedule in the autumn before. The years below are
built in; the platform administrator enters later years on the holidays page (stored in the
database, market.services.holiday_calendar). A working-day deadline that reaches a year with no
calendar is refused with a message naming the year, never counted as if the year had no
holidays. Add a year here by copying its notice into `_YEARS`, with its source in `SOURCES`.
"""

from __future__ import annotations

from datetime import date, timedelta

SOURCES = {
    2025: "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)",
    2026: "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, published by Xinhua)",
}


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# (holidays, make-up working days) by year, from the notices in SOURCES.
_YEARS: dict[int, tuple[list[date], list[date]]] = {
    2025: (
        [
            date(2025, 1, 1),
            *_span(date(2025, 1, 28), date(2025, 2, 4)),
            *_span(date(2025, 4, 4), date(2025, 4, 6)),
            *_span(date(2025, 5, 1), date(2025, 5, 5)),
            *_span(date(2025, 5, 31), date(2025, 6, 2)),
            *_span(date(2025, 10, 1), date(2025, 10, 8)),
        ],
        [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28),
         date(2025, 10, 11)],
    ),
    2026: (
        [
            *_span(date(2026, 1, 1), date(2026, 1, 3)),  # 元旦
            *_span(date(2026, 2, 15), date(2026, 2, 23)),  # 春节
            *_span(date(2026, 4, 4), date(2026, 4, 6)),  # 清明节
            *_span(date(2026, 5, 1), date(2026, 5, 5)),  # 劳动节
            *_span(date(2026, 6, 19), date(2026, 6, 21)),  # 端午节
            *_span(date(2026, 9, 25), date(2026, 9, 27)),  # 中秋节
            *_span(date(2026, 10, 1), date(2026, 10, 7)),  # 国庆节
        ],
        [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
         date(2026, 9, 20), date(2026, 10, 10)],
    ),
}


def holidays() -> list[date]:
    """Every public holiday entered (all years)."""
    return [day for days, _ in _YEARS.values() for day in days]


def makeup_workdays() -> list[date]:
    """Every make-up working day entered (all years)."""
    return [day for _, days in _YEARS.values() for day in days]


def years_known() -> list[int]:
    """The years whose schedule is entered."""
    return sorted(_YEARS)


def year_days(year: int) -> tuple[list[date], list[date]] | None:
    """The built-in (holidays, make-up working days) of `year`, or None if not built in."""
    return _YEARS.get(year)
