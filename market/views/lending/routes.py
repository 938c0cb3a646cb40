"""Pages of the lending workflow: requests, offers, loans, receivables.

The pages live in several modules that register on one Blueprint (market.views.lending.blueprint);
importing this module registers them all, so the factory imports `bp` from here.
"""

from __future__ import annotations

from market.views.lending import (  # noqa: F401  (registers the pages)
    claim_pages,
    loan_pages,
    offer_pages,
    recovery_pages,
    request_pages,
)
from market.views.lending.blueprint import bp

__all__ = ["bp"]
