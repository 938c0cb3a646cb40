"""One JSON line per request on the `market.request` logger: time, method, route, path,
status, duration, user id and client address."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask_login import current_user

log = logging.getLogger("market.request")


def _start() -> None:
    g.request_started = time.perf_counter()


def _user_id() -> int | None:
    try:
        return int(current_user.id) if current_user.is_authenticated else None
    except Exception:  # no user could be loaded (e.g. the database is down)
        return None


def _line(response: Response) -> Response:
    started = g.get("request_started")
    record = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "endpoint": request.endpoint,
        "path": request.path[:200],
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user": _user_id(),
        "ip": request.remote_addr,
    }
    log.info(json.dumps(record, ensure_ascii=False))
    return response


def init_app(app: Flask) -> None:
    """Log every request; outside testing the lines go to stderr (gunicorn collects them)."""
    app.before_request(_start)
    app.after_request(_line)
    log.setLevel(logging.INFO)
    if app.config.get("ENV_NAME") != "testing" and not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
