"""Explicit state machines: an enum, a table of allowed moves, one check that raises 409."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from market.errors import Conflict
from market.i18n import msg, translate
from market.lending import labels

# Every state's display label (translated in the reader's language when shown).
STATE_LABELS: dict[enum.Enum, object] = {}
for _table in (
    labels.REQUEST_STATUS_LABELS,
    labels.OFFER_STATUS_LABELS,
    labels.LOAN_STATUS_LABELS,
    labels.CLAIM_STATUS_LABELS,
    labels.PLEDGE_STATUS_LABELS,
):
    STATE_LABELS.update(_table.items())


def state_label(state: enum.Enum) -> str:
    """A state's label for messages, e.g. "Waiting for approval"."""
    label = STATE_LABELS.get(state)
    return str(label) if label is not None else str(state.value).replace("_", " ")


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
