"""The desk's dashboard: the pool and the enrolled book month by month, NPL ratios, claims
waiting, alerts and the plans' targets; each chart's numbers as a table and a CSV."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from sqlmodel import Session

from market.domain.errors import ValidationFailed
from market.frame.db import get_session
from market.services import desk_alerts, desk_history, desk_rollup, targets
from market.services import pool as pool_svc
from market.services.clock import business_date
from market.text.desk_labels import dimension_label, group_label
from market.views.authz import actor, roles_required
from market.views.desk import svg
from market.views.desk.blueprint import DESK, INVALID, bp, compact, csv_response
from market.views.desk.forms import AlertLevelsForm
from market.views.formtools import apply_errors

DIMENSIONS = desk_rollup.DIMENSIONS


@dataclass
class Pool:
    """The pool on the business date and the scheme in force."""

    today: date
    balance: int
    leverage: float | None
    trigger_bp: int | None
    version_label: str


def _pool(session: Session) -> Pool:
    today = business_date(session)
    version = pool_svc.scheme_in_force(session, today)
    scheme = pool_svc.scheme_of(version) if version is not None else None
    leverage = float(scheme.leverage) if scheme is not None and scheme.leverage else None
    return Pool(
        today=today,
        balance=pool_svc.pool_balance(session, today),
        leverage=leverage,
        trigger_bp=scheme.suspension_npl_bp if scheme is not None else None,
        version_label=f"{version.name} v{version.version}" if version is not None else "",
    )


def _charts(months: list[desk_history.MonthRow]) -> dict[str, Markup]:
    labels = [m.month for m in months]
    return {
        "balance": svg.line_chart(
            labels,
            [(_("Pool balance"), [m.balance for m in months])],
            label=_("Pool balance at the end of each month (CNY)"),
            fmt=compact,
        ),
        "flows": svg.line_chart(
            labels,
            [
                (_("Contributions"), [m.contributions for m in months]),
                (_("Compensation paid"), [m.compensation for m in months]),
                (_("Recoveries"), [m.recoveries for m in months]),
                (_("Interest subsidies"), [m.subsidies for m in months]),
            ],
            label=_("Money in and out of the pool by month (CNY)"),
            fmt=compact,
        ),
        "leverage": svg.line_chart(
            labels,
            [
                (_("Live enrolled principal"), [m.live_principal for m in months]),
                (_("Leverage limit"), [m.leverage_limit for m in months]),
            ],
            label=_("Enrolled principal against the scheme's leverage limit (CNY)"),
            fmt=compact,
            dashed=(1,),
        ),
    }


@dataclass
class Figures:
    """The dashboard's aggregates (the costly part of the page), with when they were taken."""

    months: list[desk_history.MonthRow]
    npl_total: desk_history.NplRow
    npl: dict[str, list[desk_history.NplRow]]
    banks: list[desk_history.BankTrigger]
    taken_at: float
    rollup: desk_rollup.Stamp | None  # the NPL tables are as of this day-end (None: live)


_CACHE: dict[str, Figures] = {}
_CACHE_LOCK = threading.Lock()


def _figures(session: Session, pool: Pool) -> Figures:
    """The aggregates (roll-ups of the last day-end plus the months since, computed now),
    reused for DESK_CACHE_SECONDS (default 30 s; 0 under tests) as long as the business date,
    pool balance and scheme are unchanged (a posting invalidates them)."""
    ttl = current_app.config.get("DESK_CACHE_SECONDS", 0 if current_app.testing else 30)
    key = f"{pool.today}|{pool.balance}|{pool.version_label}"
    now = time.time()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if ttl > 0 and hit is not None and now - hit.taken_at < ttl:
        return hit
    as_of = desk_rollup.stamp(session)
    npl_total, npl = desk_rollup.npl(session, as_of=as_of)
    figures = Figures(
        months=desk_rollup.monthly(session, today=pool.today, leverage=pool.leverage, as_of=as_of),
        npl_total=npl_total,
        npl=npl,
        banks=desk_rollup.bank_triggers(session, year=pool.today.year, as_of=as_of),
        taken_at=now,
        rollup=as_of,
    )
    if ttl > 0:
        with _CACHE_LOCK:
            _CACHE.clear()
            _CACHE[key] = figures
    return figures


def _npl_tables(figures: Figures, trigger_bp: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dim in DIMENSIONS:
        rows = figures.npl[dim]
        for row in rows:
            row.label = group_label(dim, row.key)
        out[dim] = {
            "title": dimension_label(dim),
            "rows": rows,
            "chart": svg.bar_chart(
                [r.label for r in rows],
                [(r.ratio_bp or 0) / 100 for r in rows],
                label=_("NPL ratio by %(dimension)s (%%)", dimension=dimension_label(dim)),
                fmt=lambda v: f"{v:g}%",
                line=(_("Suspension trigger"), trigger_bp / 100)
                if dim == "bank" and trigger_bp is not None
                else None,
            ),
        }
    return out


def _render(form: AlertLevelsForm | None = None, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    pool = _pool(session)
    figures = _figures(session, pool)
    months = figures.months
    live = months[-1].live_principal if months else 0
    limit = int(pool.leverage * max(pool.balance, 0)) if pool.leverage is not None else None
    banks = figures.banks
    floor = desk_alerts.pool_floor(session)
    headroom_bp = desk_alerts.headroom_alert_bp(session)
    alerts = desk_alerts.desk_alerts(
        balance=pool.balance,
        floor=floor,
        live_principal=live,
        limit=limit,
        headroom_bp=headroom_bp,
        trigger_bp=pool.trigger_bp,
        banks=banks,
    )
    if form is None:
        form = AlertLevelsForm(floor=floor, headroom=headroom_bp / 100)
    return (
        render_template(
            "desk/index.html",
            pool=pool,
            months=months,
            charts=_charts(months),
            npl_total=figures.npl_total,
            npl=_npl_tables(figures, pool.trigger_bp),
            taken_at=datetime.fromtimestamp(figures.taken_at, UTC),
            rollup=figures.rollup,
            banks=banks,
            waiting=desk_history.waiting_claims(session),
            alerts=alerts,
            limit=limit,
            live=live,
            progress=targets.achievements(session, pool.today),
            form=form,
        ),
        status,
    )


@bp.route("/")
@roles_required(*DESK)
def index() -> ResponseReturnValue:
    """The desk: history charts, NPL ratios, claims waiting, alerts, targets."""
    return _render()


@bp.route("/alert-levels", methods=["POST"])
@roles_required(*DESK)
def alert_levels() -> ResponseReturnValue:
    """Set the pool floor and the leverage headroom that raise alerts."""
    form = AlertLevelsForm()
    if form.validate_on_submit():
        try:
            desk_alerts.set_thresholds(
                get_session(),
                actor=actor(),
                floor=form.floor.data or 0,
                headroom_bp=int((form.headroom.data or 0) * 100),
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("The alert levels are saved."), "success")
            return redirect(url_for("desk.index"))
    return _render(form, INVALID)


@bp.route("/data/months.csv")
@roles_required(*DESK)
def months_csv() -> ResponseReturnValue:
    """The monthly figures behind the history charts."""
    session = get_session()
    pool = _pool(session)
    months = desk_rollup.monthly(
        session, today=pool.today, leverage=pool.leverage, as_of=desk_rollup.stamp(session)
    )
    header = [
        "month", "balance_fen", "contributions_fen", "compensation_fen", "recoveries_fen",
        "interest_subsidies_fen", "enrolled_fen", "closed_fen", "live_principal_fen",
        "leverage_limit_fen",
    ]  # fmt: skip
    fields = (
        "month", "balance", "contributions", "compensation", "recoveries", "subsidies",
        "enrolled", "closed", "live_principal", "leverage_limit",
    )  # fmt: skip
    rows = ([getattr(m, f) for f in fields] for m in months)
    return csv_response("pool-months.csv", header, rows)


@bp.route("/data/npl-<dimension>.csv")
@roles_required(*DESK)
def npl_csv(dimension: str) -> ResponseReturnValue:
    """The NPL figures by one dimension."""
    if dimension not in DIMENSIONS:
        abort(404)
    session = get_session()
    rows = desk_rollup.npl(session, as_of=desk_rollup.stamp(session))[1][dimension]
    header = [dimension, "loans", "principal_fen", "npl_loans", "npl_principal_fen", "npl_bp"]
    return csv_response(
        f"npl-{dimension}.csv",
        header,
        ([r.key, r.loans, r.principal, r.npl_loans, r.npl_principal, r.ratio_bp] for r in rows),
    )
