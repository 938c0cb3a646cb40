"""Forecasts of the live portfolio as jobs: the form, the job page with its progress bar and
results, the JSON status the bar polls, re-running and the results as CSV."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup

from market.domain.errors import ValidationFailed
from market.domain.jobs import JobKind, JobStatus
from market.frame.db import get_bind, get_session
from market.models.forecasts import ForecastJob, PortfolioSnapshot
from market.services import forecast_worker, forecasts
from market.services.clock import business_date
from market.text.desk_labels import JOB_STATUS_LABELS
from market.text.pool_labels import party_label
from market.views.authz import actor, roles_required
from market.views.desk import svg
from market.views.desk.blueprint import DESK, INVALID, bp, compact, csv_response
from market.views.desk.forms import ForecastForm
from market.views.formtools import apply_errors


def dispatch(job: ForecastJob) -> None:
    """Send a stored job to the RQ queue (REDIS_URL set) or to a thread of the site."""
    assert job.id is not None
    url = current_app.config.get("REDIS_URL") or ""
    if url:
        try:
            forecast_worker.enqueue_rq(url, job.id)
        except Exception as exc:  # Redis down: the job is failed (it can be re-run), not lost
            current_app.logger.warning("forecast %s not queued: %s", job.id, exc)
            forecast_worker.fail_unqueued(get_bind(), job.id, str(exc))
            flash(_("The job queue is not reachable; the forecast is marked failed."), "error")
    elif current_app.config.get("FORECAST_INLINE", current_app.testing):
        # tests share one connection between threads: run within the request instead
        forecast_worker.execute(get_bind(), job.id, worker="inline")
    else:
        forecast_worker.start_thread(get_bind(), job.id)


def flash_errors(form: Any, errors: dict[str, str]) -> None:
    """Service errors beside their fields; the others as messages."""
    for message in apply_errors(form, errors):
        flash(message, "error")


def _render_list(form: ForecastForm, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    forecasts.reap(session)
    return (
        render_template(
            "desk/forecasts.html",
            form=form,
            jobs=forecasts.list_jobs(session),
            labels=JOB_STATUS_LABELS,
        ),
        status,
    )


@bp.route("/forecasts")
@roles_required(*DESK)
def forecast_list() -> ResponseReturnValue:
    """Stored forecasts and the form for a new one."""
    return _render_list(ForecastForm())


@bp.route("/forecasts", methods=["POST"])
@roles_required(*DESK)
def forecast_new() -> ResponseReturnValue:
    """Store a forecast of the live portfolio under the scheme in force and start it."""
    form = ForecastForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            entry = forecasts.scheme_in_force_entry(session, business_date(session))
            job = forecasts.request_job(
                session,
                actor=actor(),
                kind=JobKind.FORECAST,
                params=form.params(),
                schemes=[entry],
                seed=form.seed_value(),
            )
        except ValidationFailed as exc:
            flash_errors(form, exc.errors)
            flash(_(exc.message), "error")
        else:
            dispatch(job)
            return redirect(url_for("desk.forecast_detail", job_id=job.id))
    return _render_list(form, INVALID)


def fan_from_start(result: dict[str, Any], start: int) -> list[list[int]]:
    """Each quantile path of the pool's balance, starting at year 0 with the balance on the
    day the forecast was requested (`start`, the same in every scenario), then each year's
    end."""
    return [[start, *path] for path in result["fan"]["paths"]]


def _forecast_charts(result: dict[str, Any], start: int) -> dict[str, Markup]:
    years = [_("Year %(n)s", n=t) for t in range(result["years"] + 1)]
    names = [f"P{round(q * 100)}" for q in result["fan"]["q"]]
    hist = result["loss"]["histogram"]
    return {
        "fan": svg.fan_chart(
            years,
            fan_from_start(result, start),
            label=_("Pool balance at year 0 (when requested) and each year's end: P5 to P95 (CNY)"),
            fmt=compact,
            names=[f"{names[0]}–{names[-1]}", f"{names[1]}–{names[-2]}", names[len(names) // 2]],
        ),
        "dry": svg.bar_chart(
            years[1:],
            [p * 100 for p in result["dry_by_year"]],
            label=_("Probability that the pool is exhausted at the end of each year (%)"),
            fmt=lambda v: f"{v:.3g}%",
        ),
        "loss": svg.histogram(
            hist["edges"],
            hist["counts"],
            label=_("Distribution of the total loss over the horizon (scenarios, CNY)"),
            fmt=compact,
            marks=[("99%", result["loss"]["var99"]), ("99.9%", result["loss"]["var999"])],
        ),
    }


@bp.route("/forecasts/<int:job_id>")
@roles_required(*DESK)
def forecast_detail(job_id: int) -> ResponseReturnValue:
    """A job: its record, its progress while it runs, its results once done."""
    session = get_session()
    forecasts.reap(session)
    job = forecasts.get_job(session, job_id)
    snap = session.get(PortfolioSnapshot, job.snapshot_id)
    charts: dict[str, Any] = {}
    if job.status is JobStatus.DONE and job.kind is JobKind.FORECAST:
        charts = _forecast_charts(job.result, job.pool_balance)
    elif job.status is JobStatus.DONE and job.kind is JobKind.COMPARE:
        charts = {
            entry["label"]: _forecast_charts(entry["summary"], job.pool_balance)["fan"]
            for entry in job.result["schemes"]
        }
    return render_template(
        "desk/forecast.html",
        job=job,
        snap=snap,
        charts=charts,
        labels=JOB_STATUS_LABELS,
        party_label=party_label,
    )


@bp.route("/forecasts/<int:job_id>/status.json")
@roles_required(*DESK)
def forecast_status(job_id: int) -> ResponseReturnValue:
    """What the progress bar polls."""
    session = get_session()
    forecasts.reap(session)
    job = forecasts.get_job(session, job_id)
    total = max(job.progress_total, 1)
    return jsonify(
        status=job.status.value,
        finished=job.status.finished,
        done=job.progress_done,
        total=job.progress_total,
        percent=min(100, job.progress_done * 100 // total),
        label=str(JOB_STATUS_LABELS[job.status]),
    )


@bp.route("/forecasts/<int:job_id>/rerun", methods=["POST"])
@roles_required(*DESK)
def forecast_rerun(job_id: int) -> ResponseReturnValue:
    """Run a stored job again from its record (same seed, loans and schemes: same numbers)."""
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("desk.forecast_detail", job_id=job_id))
    job = forecasts.rerun(get_session(), actor=actor(), job_id=job_id)
    dispatch(job)
    return redirect(url_for("desk.forecast_detail", job_id=job.id))


@bp.route("/forecasts/<int:job_id>.csv")
@roles_required(*DESK)
def forecast_csv(job_id: int) -> ResponseReturnValue:
    """A finished job's results, one table in long form (section, key, column, value)."""
    job = forecasts.get_job(get_session(), job_id)
    rows: list[list[Any]] = [
        ["job", "seed", "", job.seed],
        ["job", "kind", "", job.kind.value],
        ["job", "status", "", job.status.value],
    ]
    summaries: list[tuple[str, dict[str, Any]]] = []
    if job.status is JobStatus.DONE and job.kind is JobKind.FORECAST:
        summaries = [(job.schemes[0]["label"], job.result)]
    elif job.status is JobStatus.DONE and job.kind is JobKind.COMPARE:
        summaries = [(e["label"], e["summary"]) for e in job.result["schemes"]]
    for label, s in summaries:
        for q, path in zip(s["fan"]["q"], fan_from_start(s, job.pool_balance), strict=True):
            for t, v in enumerate(path):  # year 0: the balance when requested
                rows.append([label, f"balance_p{round(q * 100)}_fen", f"year {t}", v])
        for t, p in enumerate(s["dry_by_year"]):
            rows.append([label, "p_exhausted", f"year {t + 1}", p])
        rows.append([label, "p_runs_dry_within_horizon", "", s["depletion"]])
        for key in ("mean", "var99", "var999", "es99"):
            rows.append([label, f"total_loss_{key}_fen", "", s["loss"][key]])
        for party in s["parties"]:
            for key in ("mean", "mean_se", "var99", "var999", "es99"):
                rows.append([label, f"{party['party']}_loss_{key}_fen", "", party[key]])
    if job.status is JobStatus.DONE and job.kind is JobKind.DESIGN:
        rows.append(["design", "answer", job.result["what"], job.result["answer"]])
        for value, p, se in job.result["evaluated"]:
            rows.append(["design", "p_runs_dry", value, p])
            rows.append(["design", "p_runs_dry_se", value, se])
    return csv_response(f"forecast-{job_id}.csv", ["section", "key", "column", "value"], rows)
