"""Language choice: explicit cookie, then the user's saved choice, then the browser."""

from __future__ import annotations

from flask import current_app, request
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
    """The locale for this request."""
    available = supported()
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in available:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in available:
        return str(current_user.locale)
    best = negotiate(list(request.accept_languages), available)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]
