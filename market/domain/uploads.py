"""Uploaded files: which types are accepted, recognised by their first bytes (never by the name
or the browser's claimed type), and the checks on size."""

from __future__ import annotations

import re

from market.domain.errors import ValidationFailed
from market.domain.messages import msg

# Signatures: PDF 1.7 (ISO 32000-1, 7.5.2: the file begins "%PDF-"), PNG (ISO/IEC 15948,
# 5.2: the 8-byte signature), JPEG (ITU-T T.81, B.1.1.3: SOI marker FFD8 then a marker FF).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
NAME_LIMIT = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def sniff(head: bytes) -> tuple[str, str] | None:
    """The (content type, extension) the bytes begin with, or None if not PDF, PNG or JPEG."""
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def display_name(name: str, extension: str) -> str:
    """The user's file name, cleaned for showing and for downloads (never used on disk)."""
    cleaned = _UNSAFE.sub(" ", name).strip(" .") or "document"
    if not cleaned.lower().endswith("." + extension) and not (
        extension == "jpg" and cleaned.lower().endswith(".jpeg")
    ):
        cleaned = f"{cleaned}.{extension}"
    return cleaned[-NAME_LIMIT:]


def check_upload(data: bytes, *, max_bytes: int) -> tuple[str, str]:
    """The accepted file's (content type, extension); ValidationFailed on the `file` field."""
    if not data:
        text = msg("The file is empty.")
        raise ValidationFailed(text, errors={"file": text})
    if len(data) > max_bytes:
        text = msg(
            "The file is larger than %(limit)s MB.", limit=f"{max_bytes / 1024 / 1024:g}"
        )
        raise ValidationFailed(text, errors={"file": text})
    found = sniff(data[:16])
    if found is None:
        text = msg("Only PDF, PNG and JPEG files are accepted (this file is none of them).")
        raise ValidationFailed(text, errors={"file": text})
    return found
