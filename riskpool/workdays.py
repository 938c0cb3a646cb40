"""Working-day arithmetic for claim deadlines.

A working day is Monday to Friday, unless it is a public holiday; a Saturday or Sunday is a
working day if it is a make-up working day (调休上班). China's public holidays and make-up
days change every year (the State Council publishes them each autumn, e.g. 国办发明电〔2024〕12号
for 2025), so the caller passes them in; with none passed, only weekends are days off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def is_working_day(
    day: date, *, holidays: Iterable[date] = (), makeup_workdays: Iterable[date] = ()
) -> bool:
    """True if `day` is a working day (Mon-Fri, minus holidays, plus make-up days)."""
    if day in set(makeup_workdays):
        return True
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(
    start: date,
    days: int,
    *,
    holidays: Iterable[date] = (),
    makeup_workdays: Iterable[date] = (),
) -> date:
    """The `days`-th working day after `start` (`start` itself is not counted).

    "Within 10 working days after the confirmation" ends on the date this returns for
    days=10: the last day on which the claim is still in time.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"days must be an integer >= 0, got {days!r}")
    off = set(holidays)
    extra = set(makeup_workdays)
    if off & extra:
        raise ValueError("a date cannot be both a holiday and a make-up working day")
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if day in extra or (day.weekday() < 5 and day not in off):
            left -= 1
    return day
