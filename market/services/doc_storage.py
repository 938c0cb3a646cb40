"""Where uploaded files are kept: a document store with put/get/delete by a random key.

The local store writes under the instance folder (uploads/); the configuration chooses it
(`store_for`). File names on disk are the random keys only, never the user's file name.
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


def store_for(config: Mapping[str, Any]) -> DocumentStore:
    """The store the configuration names: the local folder UPLOAD_FOLDER."""
    return LocalStore(config["UPLOAD_FOLDER"])
