"""Bounded parsing of what people type: whole numbers, rates, text and JSON documents.

Every limit is stated here, so forms can show it and services can re-check it. Digits are
ASCII only (Python's int() and Decimal() also accept other scripts' digits), non-finite
numbers (`nan`, `inf`, `1e999999`) are refused before any arithmetic, and JSON is measured
for size and depth before it is parsed (the parser recurses).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from market.domain.messages import N_, msg

MAX_RATE_BP = 3600  # 36% a year: above any lawful lending rate
MAX_TEXT = 1000  # default for a free-text field without its own limit
MAX_JSON_CHARS = 200_000
MAX_JSON_DEPTH = 32
MAX_DAYS = 3660  # ten years: the longest deadline or term in days a scheme may set
MAX_SCHEME_NUMBER = 10**14  # a trillion CNY in fen
MAX_DAYS_AHEAD = 5 * 366  # the business date at most about five years after today

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INT = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_PERCENT = re.compile(r"[0-9]{1,3}(\.[0-9]+)?", re.ASCII)
_SIGNED_PERCENT = re.compile(r"[+-]?[0-9]{1,6}(\.[0-9]{1,20})?", re.ASCII)


class BoundsError(ValueError):
    """Input outside what the field accepts; the message says what it accepts."""


def strip_controls(text: str) -> str:
    """Drop NUL and other control characters, keeping tab, line feed and carriage return."""
    return _CONTROL.sub("", text)


def check_length(text: str, limit: int) -> None:
    """Refuse text longer than `limit` characters (never cut it silently)."""
    if len(text) > limit:
        raise BoundsError(
            msg("At most %(limit)s characters (this has %(n)s).", limit=limit, n=len(text))
        )


def parse_int(text: str, *, low: int, high: int) -> int:
    """A whole number in [low, high], ASCII digits only."""
    raw = text.strip()
    if not _INT.fullmatch(raw):
        raise BoundsError(msg("Enter a whole number from %(low)s to %(high)s.", low=low, high=high))
    value = int(raw)
    if not low <= value <= high:
        raise BoundsError(msg("Enter a whole number from %(low)s to %(high)s.", low=low, high=high))
    return value


def parse_rate_bp(text: str, *, high_bp: int = MAX_RATE_BP) -> int:
    """'4.35' or '4.35%' -> 435 basis points, at most two decimals, 0 to `high_bp`."""
    raw = text.strip().rstrip("%").strip()
    if not _PERCENT.fullmatch(raw):
        raise BoundsError(N_("Enter the annual rate in %, e.g. 4.35."))
    bp = Decimal(raw) * 100
    if bp != bp.to_integral_value():
        raise BoundsError(N_("Use at most two decimals."))
    if bp > high_bp:
        raise BoundsError(
            msg("The annual rate is at most %(rate)s%%.", rate=str(high_bp // 100))
        )
    return int(bp)


def parse_percent_bp(text: str) -> int:
    """'5', '-2.5' or '5%' -> basis points (500, -250), at most two decimals, ASCII digits
    (the service states the range that applies)."""
    raw = text.strip().rstrip("%").strip()
    if not _SIGNED_PERCENT.fullmatch(raw):
        raise BoundsError(N_("Enter a percentage, e.g. 5 or -2.5."))
    bp = Decimal(raw) * 100
    if bp != bp.to_integral_value():
        raise BoundsError(N_("Use at most two decimals."))
    return int(bp)


def check_date(
    day: date, *, earliest: date | None = None, latest: date | None = None
) -> None:
    """Refuse a date outside [earliest, latest]."""
    if latest is not None and day > latest:
        raise BoundsError(msg("The date cannot be after %(day)s.", day=latest.isoformat()))
    if earliest is not None and day < earliest:
        raise BoundsError(msg("The date cannot be before %(day)s.", day=earliest.isoformat()))


def latest_business_date(today: date) -> date:
    """The furthest the business date may be set ahead of the calendar."""
    return today + timedelta(days=MAX_DAYS_AHEAD)


def json_depth(text: str) -> int:
    """The deepest nesting of brackets in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise BoundsError(msg("JSON cannot hold %(value)s: write a number.", value=name))


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BoundsError(msg("The number %(value)s is too large.", value=text[:20]))
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 18:
        raise BoundsError(msg("The number %(value)s… is too large.", value=text[:20]))
    return int(text)


def load_json(
    text: str, *, max_chars: int = MAX_JSON_CHARS, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON text that is at most `max_chars` long and `max_depth` deep, numbers finite.

    Raises BoundsError for a limit and json.JSONDecodeError for broken JSON.
    """
    if len(text) > max_chars:
        raise BoundsError(
            msg("The document is too long: at most %(limit)s characters.", limit=max_chars)
        )
    if json_depth(text) > max_depth:
        raise BoundsError(
            msg("The document is nested too deeply: at most %(limit)s levels.", limit=max_depth)
        )
    return json.loads(
        text,
        parse_constant=_refuse_constant,
        parse_float=_finite_float,
        parse_int=_bounded_int,
    )


def scheme_number_problems(document: object, path: str = "") -> dict[str, str]:
    """Numbers of a scheme document outside sensible ranges, by their path in the document.

    Any key counting days holds 0 to MAX_DAYS; any other number is at most MAX_SCHEME_NUMBER
    (a trillion CNY in fen), so date and money arithmetic on a stored scheme cannot overflow.
    """
    problems: dict[str, str] = {}
    if isinstance(document, dict):
        for key, value in document.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).endswith("days") and isinstance(value, int | float):
                if not 0 <= value <= MAX_DAYS:
                    problems[where] = msg(
                        "%(field)s: from 0 to %(limit)s days.", field=where, limit=MAX_DAYS
                    )
                continue
            problems.update(scheme_number_problems(value, where))
    elif isinstance(document, list):
        for i, item in enumerate(document):
            problems.update(scheme_number_problems(item, f"{path}[{i}]"))
    elif (
        isinstance(document, int | float)
        and not isinstance(document, bool)
        and abs(document) > MAX_SCHEME_NUMBER
    ):
        problems[path] = msg("%(field)s: at most %(limit)s.", field=path, limit=MAX_SCHEME_NUMBER)
    return problems

