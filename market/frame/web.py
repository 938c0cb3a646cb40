"""Extensions, template filters and hooks of the site (the factory registers the blueprints)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import format_date, format_datetime, gettext
from flask_login import current_user

from market.domain.kinds import Role
from market.domain.messages import N_
from market.domain.money import format_fen
from market.frame import i18n
from market.frame.db import get_session
from market.frame.extensions import babel, csrf, limiter, login_manager, mail
from market.models.audit import AuditEvent
from market.models.orgs import Organisation, User
from market.services.notifications import UNREAD_CAP, unread_count
from market.text.audit_details import DetailLine, Formats, detail_lines
from market.text.enrolment_text import localise_reason
from market.text.fact_text import fact_lines
from market.text.split_text import localise_split_note
from market.text.stored_text import shown


def init_app(app: Flask) -> None:
    """Bind the extensions, template filters and globals."""
    i18n.install()
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(app.root_path) + "/translations",
    )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext  # translated when flashed
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)

    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["enrolment_reason"] = localise_reason
    app.jinja_env.filters["split_note"] = localise_split_note
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.filters["details"] = audit_details
    app.jinja_env.filters["fact_lines"] = indicator_facts
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.context_processor(_template_globals)


def _reader_formats() -> Formats:
    """The reader's date and time formats (Flask-Babel, the request's locale and timezone)."""
    return Formats(
        day=lambda day: str(format_date(day)),
        time=lambda moment: str(format_datetime(moment, "short")),
    )


def audit_details(event: AuditEvent) -> list[DetailLine]:
    """An audit event's details as label/value lines in the reader's language and formats."""
    return detail_lines(event.before, event.after, _reader_formats(), event.object_type)


def indicator_facts(item: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """A valuation indicator's fact(s) as (label, value) in the reader's units and language."""
    return fact_lines(str(item.get("fact", "")), item.get("fact_value"), kind, _reader_formats())


def _load_user(token: str) -> User | None:
    """The user of a session token "id:version" (a bare id, from before versions, is 0).

    A session whose version is behind the user's has ended (sign-out, password change,
    disabling), so it loads no one."""
    user_id, _sep, version = token.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10):
        return None
    if version and not (version.isascii() and version.isdigit() and len(version) < 10):
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version or 0):
        return None
    return user


def _template_globals() -> dict[str, Any]:
    org = None
    unread = 0
    if current_user.is_authenticated:
        org = get_session().get(Organisation, current_user.organisation_id)
        unread = unread_count(get_session(), current_user.id)
    return {
        "Role": Role,
        "current_org": org,
        "unread_notices": unread,  # the bell: one capped count, whatever the number
        "unread_cap": UNREAD_CAP,
        "current_locale": i18n.select_locale(),
        "language_names": i18n.LANGUAGE_NAMES,
        "request_path": request.full_path.rstrip("?"),
    }
