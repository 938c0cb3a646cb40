"""Where uploaded files are kept: a document store with put/get/delete by a random key.

The local store writes under the instance folder (uploads/); the S3 store writes to a bucket of
any S3-compatible service (boto3). The configuration chooses (`store_for`). Names in the store
are the random keys only, never the user's file name.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class DocumentStore(Protocol):
    """What the documents service needs from a store."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Keep `data` under `key` (a new key: never overwrites)."""

    def get(self, key: str) -> bytes:
        """The bytes kept under `key` (FileNotFoundError if missing)."""

    def delete(self, key: str) -> None:
        """Forget `key` (no error if it is missing)."""


def new_key() -> str:
    """A fresh random storage key (64 hex digits)."""
    return secrets.token_hex(32)


def _checked(key: str) -> str:
    """Refuse anything but a key this module made (no paths, no traversal)."""
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError("not a storage key")
    return key


class LocalStore:
    """Files under one folder, spread over 256 sub-folders by the key's first two digits."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file's path for `key`."""
        key = _checked(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file (readable by the site's user only), atomically."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = target.with_suffix(".part")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)

    def get(self, key: str) -> bytes:
        """Read the file."""
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file if present."""
        self.path(key).unlink(missing_ok=True)


class S3Store:
    """Objects in one bucket of an S3-compatible service, under an optional prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}{_checked(key)}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload the object."""
        self.client.put_object(
            Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        """Download the object (FileNotFoundError if there is none)."""
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc
        data: bytes = reply["Body"].read()
        return data

    def delete(self, key: str) -> None:
        """Delete the object (S3 answers alike whether it existed or not)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))


_S3_CLIENTS: dict[tuple[str, str], Any] = {}


def _s3_client(endpoint: str, region: str) -> Any:
    """One boto3 client per endpoint and region (credentials: the usual AWS_* variables)."""
    import boto3  # only when an S3 store is configured

    found = _S3_CLIENTS.get((endpoint, region))
    if found is None:
        found = boto3.client("s3", endpoint_url=endpoint or None, region_name=region or None)
        _S3_CLIENTS[(endpoint, region)] = found
    return found


def store_for(config: Mapping[str, Any]) -> DocumentStore:
    """The store the configuration names: the bucket UPLOAD_S3_BUCKET if set, else the local
    folder UPLOAD_FOLDER."""
    bucket = config.get("UPLOAD_S3_BUCKET") or ""
    if bucket:
        client = _s3_client(
            config.get("UPLOAD_S3_ENDPOINT") or "", config.get("UPLOAD_S3_REGION") or ""
        )
        return S3Store(client, bucket, config.get("UPLOAD_S3_PREFIX") or "")
    return LocalStore(config["UPLOAD_FOLDER"])
