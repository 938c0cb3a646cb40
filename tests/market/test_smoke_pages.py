"""Every page a signed-in user reaches from the navigation renders."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset


def test_sme_pages_render(client: FlaskClient, world: World, session) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    for url in (
        "/dashboard",
        "/assets/",
        "/assets/new",
        "/assets/new/trademark",
        "/assets/new/gi_mark",
        "/assets/new/invention_patent",
        f"/assets/{asset.id}",
        f"/assets/{asset.id}/edit",
        "/account",
        "/company",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<html" in response.data


def test_admin_pages_render(client: FlaskClient, world: World) -> None:
    sign_in(client, world.admin)
    for url in (
        "/dashboard",
        "/assets/",
        "/admin/organisations",
        "/admin/users",
        "/admin/clock",
        "/admin/holidays",
        "/admin/audit",
    ):
        assert client.get(url).status_code == 200, url


def test_public_pages_render(client: FlaskClient) -> None:
    for url in ("/", "/login", "/register"):
        assert client.get(url).status_code == 200, url
