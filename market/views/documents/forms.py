"""The upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from market.services.documents import NOTE_LIMIT


class UploadForm(FlaskForm):  # type: ignore[misc]
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l("PDF, PNG or JPEG."),
    )
    note = StringField(
        _l("Note (optional)"), validators=[Optional(), Length(max=NOTE_LIMIT)]
    )
    submit = SubmitField(_l("Upload"))
