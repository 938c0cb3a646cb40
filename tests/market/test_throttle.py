"""Throttling that holds with several workers: counted in the real Redis (issue 11)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection

from tests.market.conftest import World, make_test_app
from tests.market.factories import PASSWORD

REDIS = "redis://127.0.0.1:6379"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_uri() -> str:
    """The local Redis, started here if it is not running."""
    if not _redis_up():
        server = shutil.which("redis-server")
        assert server, "Redis is needed at 127.0.0.1:6379 (or redis-server on PATH)"
        subprocess.run([server, "--port", "6379", "--bind", "127.0.0.1", "--daemonize", "yes"],
                       check=True)
        for _ in range(50):
            if _redis_up():
                break
            time.sleep(0.1)
    assert _redis_up()
    return REDIS


@pytest.fixture()
def workers(connection: Connection, redis_uri: str, world: World) -> Iterator[list[Flask]]:
    """Two apps (two workers) counting in the same Redis, under a prefix of their own.

    Made after `world` (and so after the `app` fixture): the limiter is one object, and the
    last app bound to it decides whether it is enabled."""
    config: dict[str, Any] = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_uri,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "LOGIN_RATE_LIMIT": "100 per minute",
        "LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
        "REGISTRATION_RATE_LIMIT": "2 per hour",
        "RESET_RATE_LIMIT": "2 per hour",
    }
    yield [make_test_app(connection, **config), make_test_app(connection, **config)]


def _post(app: Flask, url: str, data: dict[str, str], addr: str) -> int:
    client = app.test_client()
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": addr}).status_code


def test_failed_sign_ins_lock_the_account_whatever_the_address_or_worker(
    workers: list[Flask], world: World
) -> None:
    wrong = {"email": world.sme.email, "password": "not-it-123"}
    for i in range(3):  # spread over both workers and three addresses
        assert _post(workers[i % 2], "/login", wrong, f"10.0.0.{i}") == 200
    right = {"email": world.sme.email, "password": PASSWORD}
    assert _post(workers[1], "/login", right, "10.0.0.99") == 429  # locked for the window
    other = {"email": world.users["other_sme"].email, "password": PASSWORD}
    assert _post(workers[0], "/login", other, "10.0.0.1") == 302  # other accounts sign in


def test_successful_sign_ins_do_not_count_towards_the_lockout(
    workers: list[Flask], world: World
) -> None:
    right = {"email": world.sme.email, "password": PASSWORD}
    for i in range(5):
        assert _post(workers[i % 2], "/login", right, "10.0.1.1") == 302


def test_sign_in_is_limited_per_address(connection: Connection, redis_uri: str) -> None:
    app = make_test_app(
        connection,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_uri,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="2 per minute",
    )
    codes = [
        _post(app, "/login", {"email": f"u{i}@x.cn", "password": "x"}, "10.0.2.1")
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
    assert _post(app, "/login", {"email": "u@x.cn", "password": "x"}, "10.0.2.2") == 200


def test_registration_and_reset_are_limited(workers: list[Flask], world: World) -> None:
    codes = [_post(workers[i % 2], "/register", {}, "10.0.3.1") for i in range(3)]
    assert codes[-1] == 429
    reset = {"email": world.sme.email}
    codes = [_post(workers[i % 2], "/password/forgot", reset, f"10.0.4.{i}") for i in range(3)]
    assert codes == [200, 200, 429]  # per e-mail address, from any address


# Production with simulated payments allowed (the payments settings are not what is tested).
PRODUCTION = {"ENV_NAME": "production", "PAYMENTS_SIMULATED_OK": True}


def test_start_up_warns_about_the_memory_store_outside_development(
    connection: Connection, caplog: pytest.LogCaptureFixture, redis_uri: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="market.security"):
        make_test_app(connection, RATELIMIT_STORAGE_URI="memory://", **PRODUCTION)
    assert "sign-in limits are counted per process" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="market.security"):
        make_test_app(connection, RATELIMIT_STORAGE_URI=redis_uri, **PRODUCTION)
        make_test_app(connection, ENV_NAME="testing", RATELIMIT_STORAGE_URI="memory://")
    assert "counted per process" not in caplog.text
