"""The desk's pages, registered on one Blueprint (market.views.desk.blueprint); importing this
module registers them all, so the factory imports `bp` from here."""

from __future__ import annotations

from market.views.desk import (  # noqa: F401  (registers the pages)
    bank_pages,
    dashboard_pages,
    design_pages,
    forecast_pages,
    target_pages,
)
from market.views.desk.blueprint import bp

__all__ = ["bp"]
