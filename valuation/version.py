"""Model version: the code version plus the data version and a digest of the data files."""

from __future__ import annotations

from typing import Final

from valuation.tables import load_tables

CODE_VERSION: Final = "2.0.0"
DATA_VERSION: Final = load_tables().version
# The digest changes whenever any data file changes, even if its version string was not bumped.
MODEL_VERSION: Final = f"{CODE_VERSION}+data.{DATA_VERSION}.{load_tables().digest}"
