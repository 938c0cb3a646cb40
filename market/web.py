"""Extensions, blueprints and template helpers of the site."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import format_date, format_datetime, gettext
from flask_login import current_user

from market import i18n
from market.db import get_session
from market.enrolment_text import localise_reason
from market.extensions import babel, csrf, limiter, login_manager
from market.models.orgs import Organisation, Role, User
from market.money import format_fen


def init_app(app: Flask) -> None:
    """Bind extensions and register every blueprint."""
    from market.admin.routes import bp as admin_bp
    from market.assets.routes import bp as assets_bp
    from market.auth.routes import bp as auth_bp
    from market.lending.routes import bp as lending_bp
    from market.main.routes import bp as main_bp
    from market.pool.routes import bp as pool_bp

    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(app.root_path) + "/translations",
    )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext  # translated when flashed
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)

    for bp in (main_bp, auth_bp, assets_bp, lending_bp, pool_bp, admin_bp):
        app.register_blueprint(bp)

    app.jinja_env.filters["fen"] = format_fen
    app.jinja_env.filters["enrolment_reason"] = localise_reason
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.context_processor(_template_globals)


def _load_user(user_id: str) -> User | None:
    try:
        user = get_session().get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active:
        return None
    return user


def _template_globals() -> dict[str, Any]:
    org = None
    if current_user.is_authenticated:
        org = get_session().get(Organisation, current_user.organisation_id)
    return {
        "Role": Role,
        "current_org": org,
        "current_locale": i18n.select_locale(),
        "language_names": i18n.LANGUAGE_NAMES,
        "request_path": request.full_path.rstrip("?"),
    }
