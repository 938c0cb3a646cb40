"""The audit helper every state-changing service calls, inside its transaction."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from sqlmodel import Session, SQLModel

from market.models.audit import AuditEvent
from market.models.orgs import User

SECRET_FIELDS = frozenset({"password_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: SQLModel | None) -> dict[str, Any]:
    """A JSON-safe copy of a row's columns, without secrets."""
    if obj is None:
        return {}
    return {
        name: _plain(getattr(obj, name))
        for name in type(obj).model_fields
        if name not in SECRET_FIELDS
    }


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    obj: SQLModel,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Append an audit event for `obj` to the current unit of work (flushes to get ids)."""
    session.flush()
    object_id = getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        organisation_id=organisation_id
        if organisation_id is not None
        else (actor.organisation_id if actor else None),
        action=action,
        object_type=type(obj).__name__,
        object_id=object_id if isinstance(object_id, int) else None,
        before=_changed(before, after)[0] if before is not None else {},
        after=_changed(before, after)[1] if after is not None else {},
        remote_addr=remote_addr(),
    )
    session.add(event)
    return event


def remote_addr() -> str | None:
    """The client's address of the current request (after ProxyFix), if any."""
    return (request.remote_addr or "")[:64] or None if has_request_context() else None


def _changed(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys that differ when both sides are given."""
    if before is None or after is None:
        return before or {}, after or {}
    keys = [k for k in after if before.get(k) != after.get(k) and k != "updated_at"]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
