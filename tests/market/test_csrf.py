"""Every form is protected against cross-site request forgery."""

from __future__ import annotations

import re

from sqlalchemy import Connection
from sqlmodel import Session, select

from market.domain.states import AssetStatus
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.factories import make_asset
from tests.market.test_permissions import ACCESS


def test_posts_without_a_token_are_refused(
    connection: Connection, session: Session, world: World
) -> None:
    app = make_test_app(connection, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    asset = make_asset(session, world.sme)
    posts = [e for e, m in ACCESS if m == "POST"]
    assert posts
    for user in (world.sme, world.admin):
        sign_in(client, user)
        for endpoint in posts:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            url = (
                rule.rule.replace("<int:asset_id>", str(asset.id))
                .replace("<kind>", "invention_patent")
                .replace("<int:user_id>", str(world.sme.id))
                .replace("<txn>", "0")
            )
            url = re.sub(r"<int:\w+>", "1", url)
            assert client.post(url, data={}).status_code == 400, url
    session.refresh(asset)
    assert asset.status is AssetStatus.ACTIVE


def test_a_form_with_its_token_goes_through(
    connection: Connection, session: Session, world: World
) -> None:
    app = make_test_app(connection, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    assert (
        client.post(f"/assets/{asset.id}/withdraw", data={"csrf_token": token.group(1)}).status_code
        == 302
    )
    session.refresh(asset)
    assert asset.status is AssetStatus.WITHDRAWN
    assert session.exec(select(type(asset)).where(type(asset).id == asset.id)).one()
