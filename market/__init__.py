"""The marketplace web application: the app factory (the only module that imports blueprints)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from market.frame.config import ROOT


def _site_dir(name: str) -> str:
    """templates/ and static/ live at the project root (DESIGN.md), or inside an installed wheel."""
    top = ROOT / name
    return str(top if top.is_dir() else Path(__file__).resolve().parent / name)


def create_app(config: dict[str, Any] | None = None, *, require_secret: bool = True) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, CLI.

    `require_secret=False` lets the command line load the app for commands that do not serve
    the site (help, migrations, seeding) when SECRET_KEY is not set.
    """
    from market.frame import cli, db, errorpages, requestlog, security, web
    from market.frame.config import load_config
    from market.views.admin.routes import bp as admin_bp
    from market.views.assets.routes import bp as assets_bp
    from market.views.auth.routes import bp as auth_bp
    from market.views.desk.routes import bp as desk_bp
    from market.views.documents.routes import bp as documents_bp
    from market.views.lending.routes import bp as lending_bp
    from market.views.main.routes import bp as main_bp
    from market.views.notices.routes import bp as notices_bp
    from market.views.once import hidden_field
    from market.views.payments.routes import bp as payments_bp
    from market.views.pool.routes import bp as pool_bp

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_site_dir("templates"),
        static_folder=_site_dir("static"),
    )
    app.config.update(load_config(app.instance_path, config, require_secret=require_secret))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    requestlog.init_app(app)
    web.init_app(app)
    security.init_app(app)
    bps = (
        main_bp, auth_bp, assets_bp, lending_bp, pool_bp, admin_bp, payments_bp, desk_bp,
        notices_bp, documents_bp,
    )
    for bp in bps:
        app.register_blueprint(bp)
    app.jinja_env.globals["idempotency_field"] = hidden_field
    errorpages.init_app(app)
    cli.init_app(app)
    return app
