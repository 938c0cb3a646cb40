"""The bureau's pool pages: balance, ledger, claims, suspensions, scheme versions.

The pages live in several modules that register on one Blueprint (market.views.pool.blueprint);
importing this module registers them all, so the factory imports `bp` from here.
"""

from __future__ import annotations

from market.views.pool import (  # noqa: F401  (registers the pages)
    breakdown,
    claim_decide_pages,
    claim_scheme_pages,
    ledger_pages,
    subsidy_pages,
)
from market.views.pool.blueprint import bp

__all__ = ["bp"]
