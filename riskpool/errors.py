"""Error types raised by riskpool."""

from __future__ import annotations


class SchemeError(ValueError):
    """A loss-sharing scheme is invalid; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PortfolioError(ValueError):
    """A portfolio is invalid; `row` (data row, 1-based) and `column` locate the problem."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.row = row
        self.column = column
        self.message = message
