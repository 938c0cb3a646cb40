"""The one error type raised for bad asset facts."""

from __future__ import annotations


class FactsError(ValueError):
    """Bad or inconsistent facts; `field` names the fact, `row` the batch row if any."""

    def __init__(self, field: str, message: str, *, row: int | None = None) -> None:
        self.field = field
        self.row = row
        where = f" (row {row})" if row is not None else ""
        super().__init__(f"{field}{where}: {message}")


class ModelVersionError(ValueError):
    """A stored valuation was made by another model version and cannot be re-run as it was."""
