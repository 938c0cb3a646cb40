"""A failed transaction never breaks the error page (issue 11)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from market.frame.db import get_session
from tests.market.conftest import World, make_test_app, sign_in


def test_error_page_renders_after_a_failed_statement(connection: Connection, world: World) -> None:
    app = make_test_app(connection, PROPAGATE_EXCEPTIONS=False)

    @app.get("/_broken")
    def _broken() -> str:
        session = get_session()
        session.begin_nested()  # as a service's unit of work would
        session.execute(text("SELECT no_such_column FROM user_account"))
        return "unreachable"

    client = app.test_client()
    sign_in(client, world.sme)  # the page then reads the user's organisation again
    response = client.get("/_broken")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert b"Something went wrong on our side" in response.data
    assert world.sme_org.name.encode() in response.data  # the layout rendered, signed in
    assert client.get("/dashboard").status_code == 200  # and the next request is fine
