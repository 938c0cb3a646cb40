"""Reasons a loan was not enrolled, in the reader's language.

riskpool (a pure library) states its reasons as English sentences with amounts in them; the
site recognises each sentence and shows it through the translation catalog, with amounts
formatted like the rest of the site. An unknown sentence is shown as it is.
"""

from __future__ import annotations

import re

from market.domain.messages import N_, msg
from market.domain.money import format_fen

CNY_PATTERN = r"([\d,]+\.\d{2}) CNY"  # riskpool.money.format_cny
_CNY = CNY_PATTERN
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^the loan principal must be positive$"),
        N_("The loan principal must be positive."),
    ),
    (
        re.compile(rf"^the loan of {_CNY} exceeds the scheme's maximum loan size of {_CNY}$"),
        N_("The loan of %(a)s exceeds the scheme's maximum loan size of %(b)s."),
    ),
    (
        re.compile(rf"^no tier of the scheme covers a loan of {_CNY}$"),
        N_("No tier of the scheme covers a loan of %(a)s."),
    ),
    (
        re.compile(
            rf"^the borrower would have {_CNY} enrolled this year, above the per-borrower cap "
            rf"of {_CNY}$"
        ),
        N_(
            "The borrower would have %(a)s enrolled this year, above the per-borrower cap of %(b)s."
        ),
    ),
    (
        # Anhui 4321: the borrower's whole guaranteed balance, this loan included.
        re.compile(
            rf"^the borrower's guaranteed balance would be {_CNY}, above the scheme's limit of "
            rf"{_CNY} a borrower$"
        ),
        N_(
            "The borrower's guaranteed balance would be %(a)s, above the scheme's limit of "
            "%(b)s a borrower."
        ),
    ),
    (
        re.compile(
            rf"^the pool's leverage limit \(([\d.]+) x {_CNY}\) leaves {_CNY} of headroom, "
            r"less than the loan$"
        ),
        N_("The leverage limit (%(k)s x %(a)s) leaves %(b)s of headroom, less than the loan."),
    ),
    (
        re.compile(
            r"^the bank is suspended: its NPL losses this year exceed the scheme's trigger$"
        ),
        N_("The bank is suspended: its NPL losses this year exceed the scheme's trigger."),
    ),
    (
        re.compile(r"^no risk-compensation scheme is in force$"),
        N_("No risk-compensation scheme is in force."),
    ),
]


def cny_to_fen_text(amount: str) -> str:
    """An amount as riskpool writes it ('1,234.56') in the site's money format."""
    whole, cents = amount.replace(",", "").split(".")
    return format_fen(int(whole) * 100 + int(cents))


def localise_reason(reason: str) -> str:
    """One enrolment reason in the current language."""
    for pattern, template in PATTERNS:
        found = pattern.match(reason)
        if found is None:
            continue
        groups = list(found.groups())
        values: dict[str, str] = {}
        if "%(k)s" in template:
            values["k"] = groups.pop(0)
        for name, amount in zip("ab", groups, strict=False):
            values[name] = cny_to_fen_text(amount)
        return msg(template, **values)
    return reason
