"""Pages of uploaded documents: the list on a subject with the upload form, and downloads."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import col, select
from werkzeug.exceptions import RequestEntityTooLarge

from market.domain.errors import ValidationFailed
from market.domain.kinds import DocumentKind
from market.frame.db import get_session
from market.models.assets import IPAsset
from market.models.orgs import Organisation, User
from market.services import documents as svc
from market.services.doc_storage import store_for
from market.text.document_labels import CONTENT_TYPE_LABELS, DOCUMENT_KIND_LABELS
from market.views.authz import actor, roles_required
from market.views.documents.blueprint import READERS, bp, kind_of
from market.views.documents.forms import UploadForm
from market.views.formtools import apply_errors
from market.views.once import once


def _limit_mb() -> str:
    return f"{current_app.config['UPLOAD_MAX_BYTES'] / 1024 / 1024:g}"


# Room for the multipart envelope and the other fields around the file itself.
FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Uploads may be as large as UPLOAD_MAX_BYTES; other requests keep MAX_CONTENT_LENGTH.

    URL preprocessors run before every before_request hook (the CSRF check reads the form
    there), so the limit holds from the first read of the body.
    """
    if endpoint == "documents.upload":
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"] + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> ResponseReturnValue:
    """A clear 413 page naming the limit."""
    message = _("The file is larger than %(limit)s MB. Please upload a smaller file.",
                limit=_limit_mb())
    return render_template("error.html", status=413, message=message, errors={}), 413


def _subject_context(subject: svc.Subject) -> dict[str, Any]:
    """What the page says about the subject: a title and the way back."""
    session = get_session()
    if subject.kind is DocumentKind.REGISTRATION_CERTIFICATE:
        asset = session.get(IPAsset, subject.id)
        assert asset is not None
        return {"title": asset.title, "back": url_for("assets.detail", asset_id=subject.id)}
    if subject.kind is DocumentKind.FINANCIAL_STATEMENT:
        org = session.get(Organisation, subject.id)
        assert org is not None
        return {"title": org.name, "back": None}
    return {
        "title": _("Loan #%(id)s", id=subject.loan_id),
        "back": url_for("lending.loan_detail", loan_id=subject.loan_id),
    }


def _page(word: str, subject_id: int, form: UploadForm, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    user = actor()
    subject, rows = svc.documents_for(
        session, actor=user, kind=kind_of(word), subject_id=subject_id
    )
    uploader_ids = {r.uploaded_by_id for r in rows}
    people = {
        u.id: u for u in session.exec(select(User).where(col(User.id).in_(uploader_ids)))
    } if rows else {}
    return render_template(
        "documents/subject.html",
        subject=subject,
        word=word,
        rows=rows,
        people=people,
        form=form if svc.can_upload(user, subject) else None,
        limit_mb=_limit_mb(),
        kind_label=DOCUMENT_KIND_LABELS[subject.kind],
        type_labels=CONTENT_TYPE_LABELS,
        **_subject_context(subject),
    ), status


@bp.route("/<word>/<int:record_id>")
@roles_required(*READERS)
def subject(word: str, record_id: int) -> ResponseReturnValue:
    """The documents on one record (the subject), with the upload form for the uploader."""
    return _page(word, record_id, UploadForm(formdata=None))


@bp.route("/<word>/<int:record_id>/upload", methods=["POST"])
@roles_required(*READERS)
@once("document.upload")
def upload(word: str, record_id: int) -> ResponseReturnValue:
    """Add a document (checked by content and size; audited)."""
    # Who may add comes first: a stranger is refused before the form is judged.
    svc.require_uploader(get_session(), actor=actor(), kind=kind_of(word), subject_id=record_id)
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        try:
            svc.upload(
                get_session(),
                actor=actor(),
                store=store_for(current_app.config),
                kind=kind_of(word),
                subject_id=record_id,
                file_name=file.filename or "",
                data=file.read(current_app.config["UPLOAD_MAX_BYTES"] + 1),
                max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
                note=form.note.data or "",
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("The document is uploaded."), "success")
            return redirect(url_for("documents.subject", word=word, record_id=record_id))
    return _page(word, record_id, form, status=422)


@bp.route("/file/<int:document_id>")
@roles_required(*READERS)
def download(document_id: int) -> ResponseReturnValue:
    """The file, as an attachment, to an entitled reader (audited)."""
    row, data = svc.open_document(
        get_session(), actor=actor(), store=store_for(current_app.config),
        document_id=document_id,
    )
    response = current_app.response_class(data, mimetype=row.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=row.file_name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

