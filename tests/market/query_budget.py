"""Counting the SQL statements a page issues (used by the query-budget test and bench/)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event


@contextmanager
def counting(bind: Connection | Engine) -> Iterator[list[str]]:
    """Collect the statements sent through `bind` while the block runs."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(bind, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", before)
