"""Fixtures of the payment tests: a real localstripe server on a free loopback port (started
once per test session and stopped after it), a webhook catcher, and apps wired to them."""

from __future__ import annotations

import contextlib
import http.server
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import stripe
from flask import Flask
from sqlalchemy import Connection

from tests.market.conftest import make_test_app

WEBHOOK_SECRET = "whsec_test_payments"


def free_port() -> int:
    """A TCP port nothing listens on right now (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"localstripe stopped: {log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("localstripe did not start within 20 s")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh localstripe (`pip install -e '.[test]'` installs it) on a free loopback port."""
    port = free_port()
    work = tmp_path_factory.mktemp("localstripe")
    log = work / "localstripe.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Delivery:
    """One webhook request localstripe sent."""

    body: bytes
    signature: str


@dataclass
class Catcher:
    """Webhook requests caught on a loopback port, to be handed to the app by the test."""

    url: str
    deliveries: list[Delivery] = field(default_factory=list)

    def wait_for(self, event_type: str, intent_id: str, timeout: float = 10) -> Delivery:
        """The delivery of `event_type` about `intent_id` (localstripe sends after ~1 s)."""
        import json

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for delivery in list(self.deliveries):
                event = json.loads(delivery.body)
                if event["type"] == event_type and event["data"]["object"]["id"] == intent_id:
                    return delivery
            time.sleep(0.05)
        raise AssertionError(f"no {event_type} webhook for {intent_id}")


@pytest.fixture(scope="session")
def catcher(localstripe_url: str) -> Iterator[Catcher]:
    """A webhook endpoint registered with localstripe that keeps what it receives."""
    port = free_port()
    caught = Catcher(url=f"http://127.0.0.1:{port}/hook")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            caught.deliveries.append(Delivery(body, self.headers.get("Stripe-Signature", "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    import requests

    answer = requests.post(
        f"{localstripe_url}/_config/webhooks/ipmarket",
        data={"url": caught.url, "secret": WEBHOOK_SECRET},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    try:
        yield caught
    finally:
        server.shutdown()
        server.server_close()


def stripe_config(api_base: str, **extra: Any) -> dict[str, Any]:
    """App settings that point the SDK at `api_base`."""
    config: dict[str, Any] = {
        "STRIPE_SECRET_KEY": "sk_test_ipmarket",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_ipmarket",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": api_base,
        "STRIPE_JS_URL": f"{api_base}/js.stripe.com/v3/",
        "STRIPE_TIMEOUT": 5.0,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }
    config.update(extra)
    return config


@pytest.fixture()
def stripe_app(connection: Connection, localstripe_url: str, catcher: Catcher) -> Flask:
    """The app with Stripe pointed at localstripe."""
    return make_test_app(connection, **stripe_config(localstripe_url))


@pytest.fixture()
def stripe_client(localstripe_url: str) -> stripe.StripeClient:
    """The SDK on localstripe, playing Stripe.js in the browser."""
    return stripe.StripeClient(
        "sk_test_ipmarket",
        base_addresses={"api": localstripe_url},
        http_client=stripe.RequestsClient(timeout=5),
        max_network_retries=0,
    )


def browser_pays(client: stripe.StripeClient, intent_id: str, card: str) -> None:
    """What Stripe.js does on the page: attach the card and confirm (declines are kept)."""
    client.v1.payment_intents.update(intent_id, params={"payment_method": card})
    # The page shows a decline; the server learns it by retrieving the intent.
    with contextlib.suppress(stripe.CardError):
        client.v1.payment_intents.confirm(intent_id)
