"""The desk blueprint, its template helpers and the CSV writer its pages share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, Response

from market.domain.jobs import TargetMetric
from market.domain.kinds import Role
from market.text.desk_labels import DESIGN_LABELS, JOB_KIND_LABELS, METRIC_LABELS

bp = Blueprint("desk", __name__, url_prefix="/desk")

DESK = (Role.BUREAU,)  # the desk is the bureau's: the administrator has no desk
BANKS = (Role.BANK_OFFICER, Role.BANK_APPROVER)
INVALID = 422
CSV_FORMULA_START = ("=", "+", "-", "@")


def cny(fen: float | None) -> str:
    """Fen as CNY with thousands separators, no decimals ('—' for None)."""
    if fen is None:
        return "—"
    return f"{fen / 100:,.0f}"


def compact(fen: float) -> str:
    """Fen as a short CNY figure for chart axes: 1.2k, 3.4m, 5.6bn."""
    value = fen / 100
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def bp_pct(bp_value: float | None) -> str:
    """Basis points as a percentage with two decimals: 250 -> '2.50%'."""
    return "—" if bp_value is None else f"{bp_value / 100:.2f}%"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # a cell that a spreadsheet would run as a formula is quoted
    if text.startswith(CSV_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download streamed row by row (UTF-8 with BOM so spreadsheets read Chinese)."""

    def generate() -> Iterable[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Response(
        generate(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """Formatting helpers for the desk's templates."""
    return {
        "cny": cny,
        "bp_pct": bp_pct,
        "metric_label": metric_label,
        "kind_labels": JOB_KIND_LABELS,
        "design_labels": DESIGN_LABELS,
    }


def metric_label(metric: TargetMetric) -> str:
    """The words for a target's metric."""
    return str(METRIC_LABELS[metric])
