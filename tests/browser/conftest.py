"""Fixtures of the browser tests: the demo site served on 127.0.0.1 and one Chromium.

Debian's Chromium at /usr/bin/chromium is driven by Playwright; nothing is downloaded. The
tests are skipped (with the reason) only when that browser is not installed.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
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
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site (migrated, seeded) served by werkzeug in a thread; its base URL."""
    from werkzeug.serving import make_server

    from market import create_app
    from market.frame import migrate
    from market.frame.db import get_bind, get_session
    from market.frame.seeding import seed_demo

    folder = tmp_path_factory.mktemp("site")
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "browser-test-secret",
            "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        migrate.upgrade(get_bind())
        seed_demo(get_session())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


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
