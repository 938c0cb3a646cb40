"""Explicit state machines: an enum, a table of allowed moves, one check that raises 409."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from market.errors import Conflict
from market.i18n import msg

Transitions = Mapping[enum.Enum, frozenset[enum.Enum]]


def require_transition(
    table: Transitions, current: enum.Enum, target: enum.Enum, *, what: str
) -> None:
    """Raise Conflict (409) unless `current` -> `target` is in `table`."""
    if target not in table.get(current, frozenset()):
        raise Conflict(
            msg(
                "This %(what)s is %(current)s; it cannot become %(target)s.",
                what=what,
                current=str(current.value).replace("_", " "),
                target=str(target.value).replace("_", " "),
            )
        )
