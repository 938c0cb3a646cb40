"""Bulk writing for the book generator: explicit ids handed out per table, rows buffered and
inserted in batches (one executemany per table and batch, parents before children), and the
PostgreSQL id sequences moved past the new rows at the end."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from market import models

# Parents before children: a batch is flushed table by table in this order.
ORDER: tuple[type[SQLModel], ...] = (
    models.Organisation,
    models.User,
    models.SchemeVersion,
    models.IPAsset,
    models.AssetValuation,
    models.FinancingRequest,
    models.RequestAsset,
    models.RequestDecline,
    models.Offer,
    models.Loan,
    models.Pledge,
    models.Instalment,
    models.Repayment,
    models.Claim,
    models.Receivable,
    models.Recovery,
    models.LedgerEntry,
    models.AuditEvent,
)


_TABLES: dict[type[SQLModel], sa.Table] = {}


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a model."""
    table = _TABLES.get(model)
    if table is None:
        found = sa.inspect(model).local_table
        assert isinstance(found, sa.Table)
        table = _TABLES[model] = found
    return table


class BulkWriter:
    """Buffers rows per table and inserts them in batches of `batch` rows."""

    def __init__(self, session: Session, *, batch: int = 5000) -> None:
        self.session = session
        self.batch = batch
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.next_ids: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.pending = 0

    def new_id(self, model: type[SQLModel]) -> int:
        """The next free id of the model's table (one MAX(id) query per table, then counting)."""
        name = table_of(model).name
        if name not in self.next_ids:
            top = self.session.execute(sa.select(sa.func.max(table_of(model).c.id))).scalar()
            self.next_ids[name] = int(top or 0) + 1
        value = self.next_ids[name]
        self.next_ids[name] = value + 1
        return value

    def add(self, model: type[SQLModel], row: dict[str, Any]) -> None:
        """Queue one row (a dict of column values); flushes everything when the batch is full."""
        self.buffers.setdefault(table_of(model).name, []).append(row)
        self.pending += 1

    def maybe_flush(self) -> None:
        """Flush when a batch has accumulated (call between whole stories, never inside one)."""
        if self.pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Insert every buffered row, parents first."""
        for model in ORDER:
            table = table_of(model)
            rows = self.buffers.pop(table.name, None)
            if rows:
                self._insert(table, rows)
                self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        self.pending = 0

    def _insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """COPY on PostgreSQL (triggers and constraints still apply), executemany elsewhere."""
        if self.session.get_bind().dialect.name != "postgresql":
            self.session.execute(sa.insert(table), rows)
            return
        names = list(rows[0])
        convert = [_converter(table.c[name].type) for name in names]
        raw = self.session.connection().connection.driver_connection
        assert raw is not None
        statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = zip(names, convert, strict=True)
                copy.write_row([f(row[n]) if f else row[n] for n, f in values])

    def finish(self) -> None:
        """Flush the rest and, on PostgreSQL, move each id sequence past the rows written."""
        self.flush()
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for name in self.next_ids:
            # Fresh statistics: the planner must not take a 100,000-row table for an empty one.
            self.session.execute(sa.text(f"ANALYZE {name}"))
            self.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )


def _converter(column_type: Any) -> Any:
    """How COPY must write a column's Python value (enum members by value, JSON as text)."""
    if isinstance(column_type, sa.JSON):
        return lambda value: json.dumps(value, default=_json_default)
    if isinstance(column_type, sa.Enum):
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    return None


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")
