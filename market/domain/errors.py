"""Domain errors and their mapping to HTTP, in one place."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, str] = dict(errors or {})


class ValidationFailed(DomainError):
    """Input is well-formed but breaks a rule; `errors` maps field -> message."""

    status = 422
    title = "Invalid input"


class PermissionDenied(DomainError):
    """The actor may not do this."""

    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    """The object does not exist (or is not visible)."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The object's state forbids this now (illegal transition, duplicate)."""

    status = 409
    title = "Conflict"
