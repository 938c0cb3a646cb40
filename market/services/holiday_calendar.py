"""The working-day calendar of deadlines: the years built into market.domain.holidays and the
years the platform administrator enters from the State Council's notice (stored, audited).

A deadline counted in working days that reaches a year with no calendar is refused with a
message naming the year: counting it as if the year had no holidays would move the deadline
earlier than the rule allows (e.g. across the Spring Festival week).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from market.domain import holidays as builtin
from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.kinds import Role
from market.domain.messages import N_, msg
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.calendar import HolidayYear
from market.models.orgs import User
from market.services import audit
from riskpool.workdays import add_working_days

FIRST_YEAR, LAST_YEAR = 2000, 2100


class CalendarMissing(Conflict):
    """A working-day count needs a year whose public holidays are not entered."""


@dataclass(frozen=True)
class YearCalendar:
    """One year's public holidays and make-up working days, and where they come from."""

    year: int
    holidays: tuple[date, ...]
    makeup_workdays: tuple[date, ...]
    source: str
    built_in: bool


def calendars(session: Session) -> dict[int, YearCalendar]:
    """Every year with a calendar: built in, or entered by the administrator."""
    found: dict[int, YearCalendar] = {}
    for row in session.exec(select(HolidayYear).order_by(col(HolidayYear.year))).all():
        found[row.year] = YearCalendar(
            row.year,
            tuple(date.fromisoformat(d) for d in row.holidays),
            tuple(date.fromisoformat(d) for d in row.makeup_workdays),
            row.source,
            built_in=False,
        )
    for year in builtin.years_known():
        days = builtin.year_days(year)
        assert days is not None
        found[year] = YearCalendar(
            year, tuple(days[0]), tuple(days[1]), builtin.SOURCES[year], built_in=True
        )
    return dict(sorted(found.items()))


def add_working_days_known(session: Session, start: date, days: int) -> date:
    """The `days`-th working day after `start` by China's calendar; refused (CalendarMissing)
    when a year from `start` to that day has no calendar."""
    known = calendars(session)
    end = add_working_days(
        start,
        days,
        holidays=[d for c in known.values() for d in c.holidays],
        makeup_workdays=[d for c in known.values() for d in c.makeup_workdays],
    )
    for year in range(start.year, end.year + 1):
        if year not in known:
            raise CalendarMissing(
                msg(
                    "The public-holiday calendar for %(year)s has not been entered, so a "
                    "deadline in working days cannot be counted. The platform administrator "
                    "enters it from the State Council's notice on the holidays page.",
                    year=year,
                )
            )
    return end


def parse_days(text: str, year: int) -> list[date]:
    """ISO dates (YYYY-MM-DD) separated by spaces, commas or new lines, all in `year`."""
    days: list[date] = []
    for token in re.split(r"[\s,，、;]+", text.strip()):
        if not token:
            continue
        try:
            day = date.fromisoformat(token)
        except ValueError:
            raise ValueError(msg("%(text)s is not a date (YYYY-MM-DD).", text=token[:20])) from None
        if day.year != year:
            raise ValueError(msg("%(day)s is not in %(year)s.", day=day.isoformat(), year=year))
        days.append(day)
    return sorted(set(days))


def save_year(
    session: Session,
    *,
    actor: User,
    year: int,
    holidays_text: str,
    makeup_text: str,
    source: str,
) -> HolidayYear | None:
    """The administrator enters (or corrects) a year's holidays from the State Council's
    notice; the built-in years cannot be changed. Saving the same calendar again changes
    nothing and records nothing (None is returned then)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(N_("Only the platform administrator can do this."))
    errors: dict[str, str] = {}
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = N_("Enter a year between 2000 and 2100.")
    elif builtin.year_days(year) is not None:
        errors["year"] = N_("This year's calendar is built in from the State Council's notice.")
    off: list[date] = []
    extra: list[date] = []
    for name, text, target in (("holidays", holidays_text, off),
                               ("makeup_workdays", makeup_text, extra)):
        try:
            target.extend(parse_days(text, year))
        except ValueError as exc:
            errors[name] = str(exc)
    if not off and "holidays" not in errors:
        errors["holidays"] = N_("Enter the year's public holidays.")
    if set(off) & set(extra):
        errors["makeup_workdays"] = N_("A day cannot be both a holiday and a make-up working day.")
    if not source.strip():
        errors["source"] = N_("Name the notice the dates come from.")
    if errors:
        raise ValidationFailed(N_("The calendar was not saved."), errors=errors)
    values: dict[str, Any] = {
        "holidays": [d.isoformat() for d in off],
        "makeup_workdays": [d.isoformat() for d in extra],
        "source": source.strip()[:500],
    }
    with transaction(session):
        row = session.exec(select(HolidayYear).where(HolidayYear.year == year)).first()
        before = audit.snapshot(row) if row is not None else None
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            return None
        if row is None:
            row = HolidayYear(year=year, entered_by_id=actor.id or 0, **values)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.entered_by_id = actor.id or 0
            row.updated_at = utcnow()
        session.add(row)
        audit.record(session, actor=actor, action="calendar.holidays", obj=row, before=before,
                     after=audit.snapshot(row))
    return row
