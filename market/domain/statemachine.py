"""Explicit state machines: an enum, a table of allowed moves, one check that raises 409."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from market.domain.errors import Conflict
from market.domain.messages import msg, translate
from market.domain.states import state_label

Transitions = Mapping[enum.Enum, frozenset[enum.Enum]]


def require_transition(
    table: Transitions, current: enum.Enum, target: enum.Enum, *, what: str
) -> None:
    """Raise Conflict (409) unless `current` -> `target` is in `table`."""
    if target not in table.get(current, frozenset()):
        raise Conflict(
            msg(
                'This %(what)s is "%(current)s"; it cannot become "%(target)s".',
                what=translate(what),
                current=state_label(current),
                target=state_label(target),
            )
        )
