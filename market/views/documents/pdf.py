"""Rendering a page template to PDF with WeasyPrint (Pango lays out the text; the CJK glyphs
come from the system's Noto Sans CJK fonts, see docs/documents.md)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask.wrappers import Response


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The papers embed everything they show; nothing is fetched from the network or disk."""
    raise ValueError(f"papers fetch no resources ({url})")


def render_pdf(template: str, **context: Any) -> bytes:
    """The PDF of `template` rendered with `context`."""
    from weasyprint import HTML  # imported on use: Pango loads only when a paper is made

    html = render_template(template, **context)
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf


def pdf_response(template: str, filename: str, **context: Any) -> Response:
    """A PDF download (shown inline by browsers) of `template`."""
    response = current_app.response_class(
        render_pdf(template, **context), mimetype="application/pdf"
    )
    response.headers.set("Content-Disposition", "inline", filename=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
