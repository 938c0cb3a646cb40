"""CSV downloads: every export goes through here, so each starts with the UTF-8 byte-order
mark that Excel needs to read Chinese text (without it Excel guesses a legacy code page)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, stream_with_context

BOM = "\ufeff"


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text of `rows`, one line at a time, the byte-order mark first."""
    yield BOM
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def csv_response(rows: Iterable[Sequence[object]], filename: str) -> Response:
    """A streamed CSV download of `rows` (UTF-8 with a byte-order mark) named `filename`."""
    return Response(
        stream_with_context(csv_lines(rows)),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
