"""Language choice (explicit cookie, then the user's saved choice, then the browser) and the
markers that put service-layer messages through the translation layer.

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

So every display site simply calls `gettext(message)`, whatever produced the message.
A value put into a `msg` placeholder is shown as given: pass a lazy label (market.reference) or
`translate(N_("..."))` when the value itself is a word to translate.
The zh catalog lives in market/translations; README has the refresh commands, and
tests/market/test_i18n.py fails while any msgid lacks a translation.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import gettext
from flask_login import current_user

LANG_COOKIE = "lang"
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}


def supported() -> list[str]:
    """Language codes the site is translated into."""
    langs: list[str] = current_app.config["LANGUAGES"]
    return langs


def negotiate(header_langs: list[tuple[str, float]], available: list[str]) -> str | None:
    """Best available language for an Accept-Language list (zh-CN, zh-Hans -> zh)."""
    for tag, _q in sorted(header_langs, key=lambda item: -item[1]):
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in available:
            return primary
    return None


def select_locale() -> str:
    """The locale for this request (the default one outside a request, e.g. in the CLI)."""
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    available = supported()
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in available:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in available:
        return str(current_user.locale)
    best = negotiate(list(request.accept_languages), available)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark `message` as a msgid for extraction; return it unchanged (translate when shown)."""
    return message


def translate(message: str) -> str:
    """`message` translated when a request with Babel is active, else unchanged."""
    if has_request_context() and "babel" in current_app.extensions:
        return str(gettext(message))
    return message


def msg(template: str, **params: Any) -> str:
    """`template % params`, translated first when a request with Babel is active.

    `template` is a msgid with named placeholders, e.g. msg("Must be at least %(n)s.", n=1).
    """
    return translate(template) % params
