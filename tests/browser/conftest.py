"""Fixtures of the browser tests: the demo site served on 127.0.0.1 and one Chromium.

Debian's Chromium at /usr/bin/chromium is driven by Playwright; nothing is downloaded. The
tests are skipped (with the reason) only when that browser is not installed.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian's Chromium at /usr/bin/chromium "
        "(apt-get install chromium fonts-noto-cjk)",
        allow_module_level=True,
    )


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the demo (migrated, seeded), built once; sites serve copies."""
    from market import create_app
    from market.frame import migrate
    from market.frame.db import get_bind, get_session
    from market.frame.seeding import seed_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    app = create_app(site_config(path))
    with app.app_context():
        migrate.upgrade(get_bind())
        seed_demo(get_session())
    return path


def site_config(path: Path) -> dict[str, Any]:
    """The app's configuration for a site on the SQLite file `path`."""
    return {
        "ENV_NAME": "testing",
        "SECRET_KEY": "browser-test-secret",
        "DATABASE_URL": f"sqlite:///{path}",
        "RATELIMIT_ENABLED": False,
    }


@contextmanager
def serve_copy(demo: Path, folder: Path) -> Iterator[str]:
    """A copy of the demo database served by werkzeug in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    from market import create_app

    path = folder / "site.db"
    with closing(sqlite3.connect(demo)) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)  # the demo runs in WAL mode: a file copy could miss pages
    server = make_server("127.0.0.1", 0, create_app(site_config(path)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def site_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site the page visits share (they change nothing); its base URL."""
    with serve_copy(demo_db, tmp_path_factory.mktemp("site")) as url:
        yield url


@pytest.fixture
def fresh_site(demo_db: Path, tmp_path: Path) -> Iterator[str]:
    """A site of its own on a fresh copy of the demo, for a journey that changes data."""
    with serve_copy(demo_db, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    """Where this run's screenshots go: $BROWSER_SHOTS_DIR or browser-shots/, one folder a run."""
    base = Path(os.environ.get("BROWSER_SHOTS_DIR", "browser-shots"))
    run = datetime.now(UTC).strftime("run-%Y%m%d-%H%M%S")
    folder = base / run
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def slug(text: str) -> str:
    """A file-name-safe form of a path or label."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "home"
