"""The S3-compatible document store, against a local S3 server (moto in server mode on a free
loopback port: nothing leaves the machine)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask.testing import FlaskClient
from moto.server import ThreadedMotoServer
from sqlalchemy import Connection
from sqlmodel import Session, select

from market.models.documents import Document
from market.services.idempotency import FIELD
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.factories import make_asset
from tests.market.payments.conftest import free_port

PDF = b"%PDF-1.7\n% a registration certificate\n%%EOF\n"
BUCKET = "ipmarket-documents"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server for this module."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture()
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    return client


def test_uploads_go_to_the_bucket_when_one_is_configured(
    connection: Connection, session: Session, world: World, tmp_path: Path,
    s3_endpoint: str, bucket: Any,
) -> None:
    folder = tmp_path / "uploads"
    app = make_test_app(
        connection, UPLOAD_FOLDER=str(folder), UPLOAD_S3_BUCKET=BUCKET,
        UPLOAD_S3_ENDPOINT=s3_endpoint, UPLOAD_S3_REGION="us-east-1", UPLOAD_S3_PREFIX="docs/",
    )
    client: FlaskClient = sign_in(app.test_client(), world.sme)
    asset = make_asset(session, world.sme)
    response = client.post(
        f"/documents/asset/{asset.id}/upload",
        data={"file": (io.BytesIO(PDF), "certificate.pdf"), FIELD: uuid.uuid4().hex},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    row = session.exec(select(Document)).one()
    s3 = bucket
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"docs/{row.storage_key}"]  # the random key, never the file's name
    body = s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    assert body == PDF
    assert not folder.exists()  # nothing on the local disk
    download = client.get(f"/documents/file/{row.id}")
    assert download.status_code == 200 and download.data == PDF
    # An object gone from the bucket: a clear 404, not a 500.
    s3.delete_object(Bucket=BUCKET, Key=keys[0])
    missing = client.get(f"/documents/file/{row.id}")
    assert missing.status_code == 404
    assert "missing from the store" in missing.get_data(as_text=True)
