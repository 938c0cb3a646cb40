"""What every request passes through: bounded ids in URLs, cleaned form text, limited JSON
bodies, and the security headers of every response."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from market.domain.bounds import BoundsError, load_json, strip_controls
from market.frame.config import SAFE_ENVS
from market.frame.extensions import csrf

# Primary keys are INTEGER (32-bit on PostgreSQL): a larger id can name nothing, so it is a 404.
MAX_ID = 2**31 - 1

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def content_policy(config: Any) -> str:
    """The CSP: with Stripe configured, Stripe.js's origin may load scripts and frames."""
    js_url = str(config.get("STRIPE_JS_URL") or "")
    parts = urlsplit(js_url)
    if not (config.get("STRIPE_SECRET_KEY") and parts.scheme in ("https", "http") and parts.netloc):
        return CSP
    origin = f"{parts.scheme}://{parts.netloc}"
    policy = CSP.replace("script-src 'self'", f"script-src 'self' {origin}")
    return policy + f"; frame-src 'self' {origin}"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 0 to MAX_ID, else the URL matches nothing (404)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min or 0,
                         max=MAX_ID if max is None else max, signed=signed)


def _clean(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict(
        [(strip_controls(k), strip_controls(v)) for k, v in values.items(multi=True)]
    )


def _is_exempt_view() -> bool:
    """A view that takes machine requests (exempt from CSRF, e.g. a payment webhook)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and f"{view.__module__}.{view.__name__}" in csrf._exempt_views


def clean_request() -> None:
    """Strip control characters from form and query text; refuse JSON a form cannot take."""
    if request.args:
        request.args = _clean(request.args)
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if request.is_json:
        if not _is_exempt_view():
            abort(415)  # the site's forms are posted as forms; only webhooks take JSON
        try:
            load_json(request.get_data(as_text=True))
        except (BoundsError, json.JSONDecodeError, UnicodeDecodeError):
            abort(400)
        return
    if request.form:
        request.form = _clean(request.form)


def security_headers(response: Response) -> Response:
    """The headers every response carries; no-store on signed-in pages and exports."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_policy(current_app.config))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS_ENABLED"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    signed_in = current_user.is_authenticated if _has_user() else False
    if signed_in or response.mimetype == "text/csv" or "attachment" in headers.get(
        "Content-Disposition", ""
    ):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    headers.pop("Server", None)
    return response


def _has_user() -> bool:
    try:
        return bool(current_user)
    except Exception:  # no login manager bound yet (a failure early in the request)
        return False


def warn_about_memory_limiter(app: Flask) -> None:
    """Outside development and testing, counting attempts in one process's memory lets
    every extra worker multiply the allowed guesses: say so at start-up."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if uri.startswith("memory") and app.config.get("ENV_NAME") not in SAFE_ENVS:
        logging.getLogger("market.security").warning(
            "RATELIMIT_STORAGE_URI is %s: sign-in limits are counted per process. With several "
            "workers set it to a shared store, e.g. redis://127.0.0.1:6379.",
            uri,
        )


def init_app(app: Flask) -> None:
    """Install the id converter (before blueprints add routes), the hooks and ProxyFix."""
    warn_about_memory_limiter(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(clean_request)
    app.after_request(security_headers)
    hops: Any = app.config.get("PROXY_FIX_HOPS", 0)
    if int(hops):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=int(hops), x_proto=int(hops), x_host=int(hops)
        )
