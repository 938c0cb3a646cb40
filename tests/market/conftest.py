"""Fixtures of the market tests: one migrated database per session, a rolled-back
transaction per test, app/client/runner bound to it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from market import create_app
from market.domain.kinds import OrgKind, Role
from market.frame import migrate
from market.frame.db import new_session
from market.models.orgs import Organisation, User
from tests.market import factories
from tests.market.dbsetup import app_engine, scratch_database
from tests.market.invariants import check_invariants


def database_url_option(config: pytest.Config) -> str | None:
    """The PostgreSQL URL given with --db or TEST_DATABASE_URL, if any."""
    return config.getoption("--db") or os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated scratch database for the whole session, used as the application role."""
    base = database_url_option(request.config)
    with scratch_database(base, tmp_path_factory.mktemp("db")) as (_url, engine):
        migrate.upgrade(engine)  # as the owner
        app = app_engine(engine)  # the site's own role on PostgreSQL
        yield app
        if app is not engine:
            app.dispose()


@pytest.fixture()
def connection(db_engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = db_engine.connect()
    outer = conn.begin()
    try:
        yield conn
        broken = check_invariants(conn)
        assert not broken, f"invariants broken: {broken}"
    finally:
        outer.rollback()
        conn.close()


def make_test_app(bind: Connection | Engine, **overrides: Any) -> Flask:
    """An app in testing mode on `bind`."""
    config: dict[str, Any] = {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "DB_BIND": bind,
        "SERVER_NAME": "localhost",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture()
def app(connection: Connection) -> Flask:
    """The app, bound to the test's transaction."""
    return make_test_app(connection)


@pytest.fixture()
def session(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking data (joins the test's transaction)."""
    s = new_session(app)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class World:
    """A small cast: two SMEs, a bank with officer and approver, and one user of every role."""

    def __init__(self, session: Session) -> None:
        f = factories
        self.sme_org = f.make_org(session, OrgKind.SME)
        self.other_sme_org = f.make_org(session, OrgKind.SME)
        self.bank = f.make_org(session, OrgKind.BANK)
        bureau = f.make_org(session, OrgKind.BUREAU)
        self.users: dict[str, User] = {
            "sme": f.make_user(session, self.sme_org),
            "other_sme": f.make_user(session, self.other_sme_org),
            "bank_officer": f.make_user(session, self.bank, Role.BANK_OFFICER),
            "bank_approver": f.make_user(session, self.bank, Role.BANK_APPROVER),
            "insurer": f.make_user(session, f.make_org(session, OrgKind.INSURER)),
            "guarantor": f.make_user(session, f.make_org(session, OrgKind.GUARANTOR)),
            "valuer": f.make_user(session, f.make_org(session, OrgKind.VALUER)),
            "bureau": f.make_user(session, bureau, Role.BUREAU),
            "admin": f.make_user(session, bureau, Role.ADMIN),
        }

    @property
    def sme(self) -> User:
        return self.users["sme"]

    @property
    def admin(self) -> User:
        return self.users["admin"]

    def org(self, key: str) -> Organisation:
        return self.sme_org if key == "sme" else self.other_sme_org


@pytest.fixture()
def world(session: Session) -> World:
    return World(session)


def sign_in(client: FlaskClient, user: User | None) -> FlaskClient:
    """Put `user` in the client's session without a password round-trip (None: sign out)."""
    with client.session_transaction() as sess:
        sess.clear()
        if user is not None:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
    return client
