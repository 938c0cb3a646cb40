"""Money forms are sent once: the `once` route decorator and the hidden key field."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from market.frame.db import get_session
from market.services import idempotency
from market.views.authz import actor

F = TypeVar("F", bound=Callable[..., Any])


def hidden_field() -> Markup:
    """The hidden input carrying a new key, for every money form (a Jinja global)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        idempotency.FIELD, idempotency.new_key()
    )


def once(action: str) -> Callable[[F], F]:
    """Run the view once per form key; a repeated key redirects where the first one went.

    Put it under the role guard. The view must redirect on success (its service commits the
    key's row with the money) and its service must raise, or record nothing, on failure.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            session = get_session()
            user_id = actor().id or 0
            key = idempotency.check_key(request.form.get(idempotency.FIELD, ""))
            done = idempotency.find(session, key=key, user_id=user_id, action=action)
            if done is not None:
                return _replay(done.result)
            try:
                idempotency.claim(session, key=key, user_id=user_id, action=action)
            except IntegrityError:  # the same key committed meanwhile by a concurrent request
                session.rollback()
                done = idempotency.find(session, key=key, user_id=user_id, action=action)
                return _replay(done.result if done else "")
            response = view(*args, **kwargs)
            session.rollback()  # a key the view did not commit (its form was invalid) is dropped
            if isinstance(response, Response) and 300 <= response.status_code < 400:
                idempotency.settle(session, key=key, result=response.location or "")
            return response

        return cast(F, wrapped)

    return decorator


def _replay(result: str) -> Response:
    """Where the first submission went, with a word on why nothing new happened."""
    flash(_("This was already sent; it was recorded once."), "info")
    return redirect(result or url_for("main.dashboard"))
