"""Party names and the fixed order used to break ties when remainders are shared out."""

from __future__ import annotations

#: Parties that can carry a share of a principal loss, in the fixed tie-break order.
#: "pool" is the fund the site manages (a city's risk-compensation pool); "province" is a
#: higher-level government fund that pays its own share beside it (Weihai: the Shandong
#: provincial fund pays 40%, the city's fund 20%; semilleroventures.com news 1001).
SCHEME_PARTIES: tuple[str, ...] = (
    "pool",
    "bank",
    "insurer",
    "guarantor",
    "re_guarantor",
    "valuer",
    "province",
)
#: Everyone who can receive money in a split or a recovery split, in tie-break order.
PARTY_ORDER: tuple[str, ...] = (*SCHEME_PARTIES, "treasury", "borrower")


def party_rank(party: str) -> int:
    """Position of `party` in PARTY_ORDER (lower wins ties)."""
    return PARTY_ORDER.index(party)
