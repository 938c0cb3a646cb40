"""Messages kept in the database (ledger memos, suspension reasons) in the reader's language.

A row keeps its English text and, beside it, the msgid and params it was built from
(`market.domain.messages.stored`). Shown, the msgid is translated and filled with the params;
a param that is a word of a label table (`word("disposal", "auction")`) shows as its label.
A row written before keys were kept, or a text a person typed, has no key: its text is shown
as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from market.domain.messages import translate
from market.domain.payments import PURPOSE_LABELS
from market.text.labels import DISPOSAL_LABELS

WORDS: dict[str, Mapping[str, Any]] = {
    "disposal": {kind.value: label for kind, label in DISPOSAL_LABELS.items()},
    "purpose": {purpose.value: label for purpose, label in PURPOSE_LABELS.items()},
}


def _param(value: Any) -> Any:
    if isinstance(value, dict):
        label = WORDS.get(str(value.get("word")), {}).get(str(value.get("code")))
        return str(label) if label is not None else value.get("code")
    return value


def shown(text: str, message: Any) -> str:
    """The stored message in the reader's language, else the stored `text` unchanged."""
    if not isinstance(message, dict) or not isinstance(message.get("key"), str):
        return text
    params = message.get("params")
    values = {k: _param(v) for k, v in params.items()} if isinstance(params, dict) else {}
    try:
        return translate(message["key"]) % values
    except (KeyError, TypeError, ValueError):
        return text
