"""Error handlers: domain errors and HTTP errors as HTML pages or JSON."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from market.domain.errors import DomainError
from market.domain.messages import N_

MESSAGES = {
    400: N_("The request could not be understood."),
    403: N_("You do not have access to this page."),
    404: N_("There is nothing here. The page may have moved, or the link is wrong."),
    405: N_("This page does not accept that kind of request."),
    409: N_("This cannot be done in the object's current state."),
    413: N_("The upload is too large."),
    415: N_("This page accepts form submissions only."),
    422: N_("Some of the input is not valid."),
    429: N_("Too many attempts. Please wait a minute and try again."),
    500: N_("Something went wrong on our side. The error has been logged."),
}


def wants_json() -> bool:
    """True for API calls and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render_error(
    status: int, message: str, errors: dict[str, str] | None = None
) -> ResponseReturnValue:
    """One error response, JSON or HTML (after rolling back whatever the request left open)."""
    reset_session()
    if wants_json():
        return jsonify({"error": message, "status": status, "errors": errors or {}}), status
    return render_template(
        "error.html", status=status, message=message, errors=errors or {}
    ), status


def reset_session() -> None:
    """Roll back the request's session, so a failed transaction cannot break the error page."""
    session = g.get("db_session")
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # the connection itself is gone: start the page on a fresh session
        logging.getLogger(__name__).exception("rollback failed; dropping the session")
        g.pop("db_session", None)


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> ResponseReturnValue:
        reset_session()
        # Services raise English text (see market.i18n): translate it for display here.
        errors = {field: _(message) for field, message in exc.errors.items()}
        return render_error(exc.status, _(exc.message), errors)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            _(
                "The form expired or was sent from elsewhere. "
                "Please go back, reload the page and try again."
            ),
        )

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> ResponseReturnValue:
        reset_session()  # before anything reads the user (the locale does) on a dead transaction
        try:
            return render_error(500, _(MESSAGES[500]))
        except Exception:  # the error page itself failed: answer in plain text
            logging.getLogger(__name__).exception("the error page failed")
            return MESSAGES[500], 500, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        reset_session()
        status = exc.code or 500
        message = MESSAGES.get(status) or exc.description or N_("Error")
        return render_error(status, _(message))
