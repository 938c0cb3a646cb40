"""The marketplace web application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def _site_dir(name: str) -> str:
    """templates/ and static/ live at the project root (DESIGN.md), or inside an installed wheel."""
    top = ROOT / name
    return str(top if top.is_dir() else Path(__file__).resolve().parent / name)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, CLI."""
    from market import cli, db, errorpages, web
    from market.config import load_config

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_site_dir("templates"),
        static_folder=_site_dir("static"),
    )
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    web.init_app(app)
    errorpages.init_app(app)
    cli.init_app(app)
    return app
