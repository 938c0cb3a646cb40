"""Route guards: sign-in and roles; object checks live beside each service's loader."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user
from flask_login import login_required as _login_required

from market.domain.kinds import Role
from market.models.orgs import User

F = TypeVar("F", bound=Callable[..., Any])


def signed_in(view: F) -> F:
    """Only signed-in users may call the view (others go to the sign-in page)."""
    return cast(F, _login_required(view))


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in users holding one of `roles` may call the view (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @signed_in
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def actor() -> User:
    """The signed-in user as a model instance."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user
