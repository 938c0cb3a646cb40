"""Limits on sign-in, registration and password reset (counted in Redis with several workers).

Sign-in is limited per client address (every attempt) and per account (failed attempts only:
after LOGIN_ACCOUNT_LIMIT failures the account is locked for the rest of the window, whatever
address the guesses come from).
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request


def _config(name: str) -> str:
    return str(current_app.config[name])


def login_limit() -> str:
    """Sign-in attempts per client address."""
    return _config("LOGIN_RATE_LIMIT")


def login_account_limit() -> str:
    """Failed sign-ins per account before a short lockout."""
    return _config("LOGIN_ACCOUNT_LIMIT")


def registration_limit() -> str:
    """Registrations per client address."""
    return _config("REGISTRATION_RATE_LIMIT")


def reset_limit() -> str:
    """Password reset requests per client address and per e-mail address."""
    return _config("RESET_RATE_LIMIT")


def account_key() -> str:
    """The account a form names (its e-mail, hashed so the store holds no addresses)."""
    email = str(request.form.get("email", "")).strip().lower()[:254]
    return "account:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


def failed_sign_in(response: Response) -> bool:
    """A sign-in failed when it did not redirect (the form came back with an error)."""
    return response.status_code != 302
