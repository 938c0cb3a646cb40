"""Money forms carry an idempotency key issued with the form; tests send one like a browser."""

from __future__ import annotations

import uuid
from typing import Any

from market.services.idempotency import FIELD


def keyed(data: dict[str, Any] | None = None, *, key: str | None = None) -> dict[str, Any]:
    """The form data with a key: a fresh one (a new form), or `key` (the same form again)."""
    return {**(data or {}), FIELD: key or uuid.uuid4().hex}
