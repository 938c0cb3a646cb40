"""Markers that put domain and service messages through the translation layer, Flask-free.

How messages outside views and templates are translated
-------------------------------------------------------
Services, identifiers, money parsing and the error pages raise plain English strings (a
`DomainError`'s message and its `errors` dict, an `IdentifierError`, a `MoneyError`).

* A fixed message is wrapped in `N_("...")`: a no-op at run time that only marks the msgid for
  `pybabel extract`. The English text travels inside the exception unchanged, and the places
  that SHOW it translate it at display time with `gettext` (`formtools.apply_errors`, the error
  handlers in `errorpages`, flashes in the routes, `formtools.MoneyField`).
* A message with run-time values is built with `msg("... %(name)s ...", name=value)`: the msgid
  (with named placeholders) is extracted, and it is translated *when it is built* if a request
  with Babel is active (so in the user's language), else rendered in English (CLI, unit tests,
  background work). Translating the finished text again at display time is harmless: it is not
  a msgid, so `gettext` returns it unchanged.
* A message kept in the database (a ledger memo, a suspension reason) is built with
  `stored("... %(name)s ...", name=value)`: the row keeps its English text and, beside it, the
  msgid and params (`Stored.as_json`), which market.text.stored_text translates when shown. A
  param that is itself a word of a label table is `word("disposal", "auction")`.
* A label that must be translated each time it is shown (state labels, reference lists) is
  `_l("...")`: a lazy string translated whenever it is turned into text.

So every display site simply calls `gettext(message)`, whatever produced the message.
A value put into a `msg` placeholder is shown as given: pass a lazy label (market.text.reference)
or `translate(N_("..."))` when the value itself is a word to translate.

The translator is the identity until the app's frame installs the real one at start-up
(`market.frame.i18n.install`), so this module needs no Flask. The zh catalog lives in
market/translations; README has the refresh commands, and tests/market/test_i18n.py fails while
any msgid lacks a translation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from babel.support import LazyProxy


def _identity(message: str) -> str:
    return message


_translator: Callable[[str], str] = _identity


def install_translator(translator: Callable[[str], str]) -> None:
    """Use `translator` for `translate`, `msg` and lazy labels (the frame calls this)."""
    global _translator
    _translator = translator


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark `message` as a msgid for extraction; return it unchanged (translate when shown)."""
    return message


def translate(message: str) -> str:
    """`message` translated when a request with Babel is active, else unchanged."""
    return _translator(message)


def msg(template: str, **params: Any) -> str:
    """`template % params`, translated first when a request with Babel is active.

    `template` is a msgid with named placeholders, e.g. msg("Must be at least %(n)s.", n=1).
    """
    return translate(template) % params


def _l(message: str) -> LazyProxy:
    """A lazy label: `message` translated each time it is shown."""
    return LazyProxy(translate, message, enable_cache=False)


def word(table: str, code: str) -> dict[str, str]:
    """A stored-message param naming a code of a label table (translated when shown)."""
    return {"word": table, "code": code}


@dataclass(frozen=True)
class Stored:
    """A message for the database: its msgid and params, translated whenever it is shown."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The English text kept beside the key (a word param appears as its code)."""
        values = {
            name: value["code"] if isinstance(value, dict) else value
            for name, value in self.params.items()
        }
        return self.key % values

    def as_json(self) -> dict[str, Any]:
        """The JSON kept in the row's message column."""
        return {"key": self.key, "params": dict(self.params)}


def stored(template: str, **params: Any) -> Stored:
    """A message to store untranslated (`template` is a msgid with named placeholders)."""
    return Stored(template, params)
