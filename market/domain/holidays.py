"""China's public holidays and make-up working days (调休), for working-day deadlines.

The State Council publishes each year's schedule in the autumn before; only years whose notice
is entered here are counted, other years skip weekends only (riskpool.workdays). Add a year by
copying its notice into `_YEARS`, with the notice's number in `SOURCES`.
"""

from __future__ import annotations

from datetime import date, timedelta

SOURCES = {
    2025: "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)",
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
