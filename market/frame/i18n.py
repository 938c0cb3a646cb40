"""Language choice (explicit cookie, then the user's saved choice, then the browser), and the
translator the domain's message markers use (see market.domain.messages)."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import gettext
from flask_login import current_user

from market.domain.messages import install_translator

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


def request_translate(message: str) -> str:
    """`message` translated when a request with Babel is active, else unchanged."""
    if has_request_context() and "babel" in current_app.extensions:
        return str(gettext(message))
    return message


def install() -> None:
    """Make the domain's `translate`, `msg` and `_l` use the request's language."""
    install_translator(request_translate)
