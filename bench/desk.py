"""Benchmark of the bureau's desk (prints figures, not a test).

1. A forecast through the site's adapter (market.services.forecast_engine): 10,000 enrolled
   loans x 100,000 scenarios x 3 years, against riskpool.simulate called directly in the same
   run (the adapter's overhead) .
2. The dashboard's latency on a large book: a tiny local generator bulk-inserts N enrolled loans
   (with requests, offers, assets, valuations, pledges, a ledger and claims) into a scratch
   database (or reuses the one kept with --keep), writes the roll-ups as the day-end would, then
   times the dashboard page through the test client (median of 9), beside its queries one by
   one (live and from the roll-ups) and a reference query (COUNT(*) of the loans) in the same run.

Run: .venv/bin/python bench/desk.py [--loans 100000] [--db postgresql+psycopg://postgres@127.0.0.1:5432/test]
     [--skip-forecast] [--skip-dashboard] [--keep NAME [--build-only]]
With --keep NAME the book is built once into the scratch database NAME and kept; later runs
reuse it (migrated to the newest revision first) instead of building it again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from market.services import forecast_engine
from riskpool import Scheme, simulate

MILLION = 1_000_000_00
GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC")


def _rows(n: int, seed: int = 1) -> list[list[Any]]:
    rng = np.random.default_rng(seed)
    principal = np.clip(rng.lognormal(np.log(2 * MILLION), 0.7, n), 0.1 * MILLION, 20 * MILLION)
    return [
        [i, int(principal[i]), GRADES[i % 7], int(rng.integers(6, 37)), i % 8, i, "electronics"]
        for i in range(n)
    ]


def bench_forecast() -> None:
    """10,000 loans x 100,000 scenarios x 3 years through the adapter."""
    scheme = Scheme.preset("zhongshan-2021")
    params = forecast_engine.ForecastParams(scenarios=100_000, years=3)
    rows = _rows(10_000)
    book = forecast_engine.portfolio(rows, params)
    t0 = time.perf_counter()
    forecast_engine.run(
        book,
        scheme,
        forecast_engine.ForecastParams(scenarios=200),
        seed=1,
        pool_balance=40 * MILLION,
    )
    warm = time.perf_counter() - t0
    runs = []
    for _ in range(2):  # the first full-size run still pays one-off costs (allocation, caches)
        t0 = time.perf_counter()
        result = forecast_engine.run(book, scheme, params, seed=1, pool_balance=40 * MILLION)
        runs.append(time.perf_counter() - t0)
    run = runs[-1]
    t0 = time.perf_counter()
    forecast_engine.summary(result)
    summarise = time.perf_counter() - t0
    t0 = time.perf_counter()
    simulate(
        book,
        scheme,
        scenarios=100_000,
        years=3,
        seed=1,
        pool_balance=40 * MILLION,
        recovery_rate=0.2,
        recovery_lag=1,
        chunk=forecast_engine.CHUNK,
    )
    direct = time.perf_counter() - t0
    print("forecast: 10,000 loans x 100,000 scenarios x 3 years")
    print(f"  first call (numba compile, 200 scenarios) {warm:8.2f} s")
    print(f"  simulate via the adapter, 1st full run    {runs[0]:8.2f} s")
    print(f"  simulate via the adapter, 2nd full run    {run:8.2f} s")
    print(f"  summary (fan, histogram, party tails)     {summarise:8.2f} s")
    print(f"  total forecast job (run + summary)        {run + summarise:8.2f} s")
    ratio = run / direct
    print(f"  riskpool.simulate called directly  {direct:8.2f} s  (adapter/direct {ratio:.2f})")


def _scratch_url(url: str, name: str) -> str:
    if url.startswith("postgresql"):
        return url.rsplit("/", 1)[0] + "/" + name
    return f"sqlite:////tmp/{name}.db"


def _existing_book(url: str, name: str) -> Any:
    """The scratch database `name` if it exists (brought up to the newest migration), else None."""
    from sqlalchemy import create_engine, text

    from market.frame import migrate
    from market.frame.db import make_engine

    if url.startswith("postgresql"):
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            found = c.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
        admin.dispose()
        if found is None:
            return None
    elif not Path(f"/tmp/{name}.db").exists():
        return None
    engine = make_engine(_scratch_url(url, name))
    t0 = time.perf_counter()
    migrate.upgrade(engine)
    print(f"  reusing {name} (migrated to head in {time.perf_counter() - t0:.1f} s)")
    return engine


def _build_book(url: str, n: int, name: str | None = None) -> Any:
    """A scratch database with n enrolled loans; returns the engine."""
    from sqlalchemy import create_engine, insert, text

    from market.frame import migrate
    from market.frame.db import make_engine
    from market.models import (
        AssetValuation,
        Claim,
        FinancingRequest,
        IPAsset,
        LedgerEntry,
        Loan,
        Offer,
        Organisation,
        Pledge,
        SchemeVersion,
        Setting,
        User,
    )

    name = name or f"desk_bench_{uuid.uuid4().hex[:8]}"
    if url.startswith("postgresql"):
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = make_engine(_scratch_url(url, name))
    migrate.upgrade(engine)
    rng = np.random.default_rng(7)
    start = date(2024, 1, 1)
    today = date(2026, 6, 30)
    t0 = time.perf_counter()
    with engine.begin() as c:
        now = datetime.now(UTC)

        def add(model: Any, rows: list[dict[str, Any]]) -> None:
            table = model.__table__
            fill: dict[str, Any] = {}
            for name, info in model.model_fields.items():
                if info.default_factory is not None:
                    fill[name] = now if name.endswith("_at") else info.default_factory()
                elif info.default is not None and repr(info.default) != "PydanticUndefined":
                    fill[name] = info.default
            for row in rows:
                for name, value in fill.items():
                    row.setdefault(name, value)
            for k in range(0, len(rows), 5000):
                c.execute(insert(table), rows[k : k + 5000])

        orgs: list[dict[str, Any]] = [
            {"id": 1, "kind": "bureau", "name": "Bureau", "uscc": "B" * 18, "region": ""}
        ]
        regions = ("GD-Zhongshan", "FJ-Quanzhou", "JS-Xuzhou", "LN-Dalian")
        industries = ("electronics", "software", "machinery", "food", "textiles")
        for b in range(8):
            orgs.append(
                {
                    "id": 10 + b,
                    "kind": "bank",
                    "name": f"Bank {b}",
                    "uscc": f"K{b:017d}",
                    "region": "",
                }
            )
        smes = 2000
        for s in range(smes):
            orgs.append(
                {
                    "id": 100 + s,
                    "kind": "sme",
                    "name": f"SME {s}",
                    "uscc": f"S{s:017d}",
                    "region": regions[s % 4],
                    "industry": industries[s % 5],
                }
            )
        add(Organisation, orgs)
        users = [
            {
                "id": 1,
                "organisation_id": 1,
                "email": "b@x",
                "name": "b",
                "password_hash": "x",
                "role": "bureau",
            },
            {
                "id": 2,
                "organisation_id": 10,
                "email": "o@x",
                "name": "o",
                "password_hash": "x",
                "role": "bank_officer",
            },
            {
                "id": 3,
                "organisation_id": 10,
                "email": "a@x",
                "name": "a",
                "password_hash": "x",
                "role": "bank_approver",
            },
            {
                "id": 4,
                "organisation_id": 100,
                "email": "s@x",
                "name": "s",
                "password_hash": "x",
                "role": "sme",
            },
        ]
        add(User, users)
        doc = Scheme.preset("zhongshan-2021").to_dict()
        add(
            SchemeVersion,
            [
                {
                    "id": 1,
                    "name": doc["name"],
                    "version": 1,
                    "effective_from": start,
                    "document": doc,
                    "partners": {},
                }
            ],
        )
        add(Setting, [{"key": "business_date", "value": today.isoformat()}])
        kinds = ("invention_patent", "utility_model", "trademark", "gi_mark")
        principal = np.clip(rng.lognormal(np.log(2 * MILLION), 0.7, n), 0.1 * MILLION, 20 * MILLION)
        day = rng.integers(0, (today - start).days, n)
        npl = rng.random(n) < 0.03
        requests, offers, loans, assets, vals, pledges = [], [], [], [], [], []
        for i in range(n):
            lent = start + timedelta(days=int(day[i]))
            sme = 100 + i % smes
            p = int(principal[i])
            requests.append(
                {
                    "id": i + 1,
                    "borrower_id": sme,
                    "created_by_id": 4,
                    "amount": p,
                    "term_months": 36,
                    "purpose": "bench",
                    "max_loan": p,
                    "status": "accepted",
                    "created_on": lent,
                }
            )
            offers.append(
                {
                    "id": i + 1,
                    "request_id": i + 1,
                    "bank_id": 10 + i % 8,
                    "amount": p,
                    "rate_bp": 450,
                    "term_months": 36,
                    "repayment_type": "equal_instalment",
                    "rating_grade": GRADES[i % 7],
                    "status": "accepted",
                    "proposed_by_id": 2,
                    "approved_by_id": 3,
                }
            )
            loans.append(
                {
                    "id": i + 1,
                    "request_id": i + 1,
                    "offer_id": i + 1,
                    "borrower_id": sme,
                    "bank_id": 10 + i % 8,
                    "principal": p,
                    "rate_bp": 450,
                    "term_months": 36,
                    "repayment_type": "equal_instalment",
                    "status": "active",
                    "accepted_on": lent,
                    "disbursed_on": lent,
                    "maturity_on": lent + timedelta(days=1095),
                    "scheme_version_id": 1,
                    "enrolment": "enrolled",
                    "enrolment_reasons": [],
                    "enrolled_on": lent,
                    "interest_subsidy": p // 100,
                    "classification": "substandard" if npl[i] else "normal",
                    "days_past_due": 100 if npl[i] else 0,
                }
            )
            assets.append(
                {
                    "id": i + 1,
                    "owner_id": sme,
                    "kind": kinds[i % 4],
                    "registry_number": f"R{i:012d}",
                    "title": "bench",
                    "industry": industries[i % 5],
                    "legal_status": "valid",
                    "filing_date": start,
                    "facts": {},
                    "status": "active",
                }
            )
            vals.append(
                {
                    "id": i + 1,
                    "asset_id": i + 1,
                    "asset_row_version": 1,
                    "model_version": "bench",
                    "as_of": lent,
                    "seed": 1,
                    "score_centi": 7000,
                    "grade": "A",
                    "value_p10": p,
                    "value_p50": 2 * p,
                    "value_p90": 3 * p,
                    "liquidation_value": p,
                    "pledge_rate_bp": 5000,
                    "max_loan": p,
                    "inputs": {},
                    "result": {},
                }
            )
            pledges.append(
                {
                    "id": i + 1,
                    "loan_id": i + 1,
                    "asset_id": i + 1,
                    "valuation_id": i + 1,
                    "registration_number": f"ZY{i:012d}",
                    "status": "active",
                    "registered_on": lent,
                }
            )
        for table, rows in (
            (FinancingRequest, requests),
            (Offer, offers),
            (Loan, loans),
            (IPAsset, assets),
            (AssetValuation, vals),
            (Pledge, pledges),
        ):
            add(table, rows)
        ledger: list[dict[str, Any]] = []
        for m in range(30):  # a contribution every month
            posted = date(2024 + m // 12, m % 12 + 1, 15)
            txn = uuid.uuid4().hex
            ledger += [
                {
                    "txn": txn,
                    "posted_on": posted,
                    "account": "pool_cash",
                    "debit": 500 * MILLION,
                    "credit": 0,
                },
                {
                    "txn": txn,
                    "posted_on": posted,
                    "account": "funding",
                    "debit": 0,
                    "credit": 500 * MILLION,
                },
            ]
        claims = []
        for k, i in enumerate(np.flatnonzero(npl)[:2000]):
            approved = k < 1500
            filed = start + timedelta(days=int(day[i]) + 120)
            claims.append(
                {
                    "loan_id": int(i) + 1,
                    "bank_id": 10 + int(i) % 8,
                    "scheme_version_id": 1,
                    "loss": int(principal[i]),
                    "filed_on": filed,
                    "filed_by_id": 2,
                    "status": "approved" if approved else "filed",
                    "decided_on": filed if approved else None,
                    "split": {},
                    "split_notes": [],
                }
            )
            if approved:
                txn = uuid.uuid4().hex
                paid = int(principal[i]) * 54 // 100
                ledger += [
                    {
                        "txn": txn,
                        "posted_on": filed,
                        "account": "compensation",
                        "debit": paid,
                        "credit": 0,
                    },
                    {
                        "txn": txn,
                        "posted_on": filed,
                        "account": "pool_cash",
                        "debit": 0,
                        "credit": paid,
                    },
                ]
        add(Claim, claims)
        add(LedgerEntry, ledger)
        if engine.dialect.name == "postgresql":
            for table in (
                "organisation",
                "user_account",
                "loan",
                "offer",
                "financing_request",
                "ip_asset",
                "asset_valuation",
                "pledge",
                "claim",
            ):
                c.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    print(f"  built {n:,} loans in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
    return engine


def _median(fn: Any, times: int = 5) -> float:
    spent = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn()
        spent.append(time.perf_counter() - t0)
    return statistics.median(spent) * 1000


def bench_dashboard(url: str, n: int, keep: str | None = None) -> None:
    """The dashboard page at n loans."""
    from sqlalchemy import text
    from sqlmodel import Session

    from market import create_app
    from market.services import desk_history, desk_rollup, targets

    print(f"dashboard at {n:,} enrolled loans")
    engine = _existing_book(url, keep) if keep else None
    if engine is None:
        engine = _build_book(url, n, keep)
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "x",
            "DB_BIND": engine,
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = "1"
        sess["_fresh"] = True
    today = date(2026, 6, 30)
    with Session(engine) as s:
        filled = desk_rollup.fill_collateral_kinds(s)  # bulk rows, as generate-book does
        t0 = time.perf_counter()
        desk_rollup.refresh(s, today=today)
        s.commit()
        spent = (time.perf_counter() - t0) * 1000
        print(f"  {'roll-ups written (the day-end step, once)':42s} {spent:8.1f} ms")
        print(f"  (collateral kinds filled on {filled:,} loans first)")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    assert client.get("/desk/").status_code == 200  # warm caches and templates
    with Session(engine) as s:
        as_of = desk_rollup.stamp(s)
        parts = {
            "reference: SELECT COUNT(*) FROM loan": lambda: s.execute(
                text("SELECT COUNT(*) FROM loan")
            ).one(),
            "live: monthly (ledger + enrolled by month)": lambda: desk_history.monthly(
                s, today=today, leverage=10.0
            ),
            "live: NPL overall": lambda: desk_history.npl_total(s),
            "live: NPL by bank": lambda: desk_history.npl_by(s, "bank"),
            "live: NPL by kind (loan.collateral_kind)": lambda: desk_history.npl_by(s, "kind"),
            "live: NPL by industry": lambda: desk_history.npl_by(s, "industry"),
            "live: NPL by region": lambda: desk_history.npl_by(s, "region"),
            "live: banks against the trigger": lambda: desk_history.bank_triggers(s, year=2026),
            "roll-ups: monthly (+ this month live)": lambda: desk_rollup.monthly(
                s, today=today, leverage=10.0, as_of=as_of
            ),
            "roll-ups: NPL overall and by 4 dimensions": lambda: desk_rollup.npl(s, as_of=as_of),
            "roll-ups: banks (+ enrolled since, losses)": lambda: desk_rollup.bank_triggers(
                s, year=2026, as_of=as_of
            ),
            "claims waiting": lambda: desk_history.waiting_claims(s),
            "targets": lambda: targets.achievements(s, today),
        }
        for label, fn in parts.items():
            print(f"  {label:42s} {_median(fn):8.1f} ms")
    page = _median(lambda: client.get("/desk/"), 9)
    print(f"  {'GET /desk/, figures computed (median of 9)':42s} {page:8.1f} ms")
    app.config["DESK_CACHE_SECONDS"] = 60
    client.get("/desk/")  # fills the cache
    cached = _median(lambda: client.get("/desk/"), 9)
    print(f"  {'GET /desk/, figures cached (60 s, median of 9)':42s} {cached:8.1f} ms")
    if keep is None:
        _drop(engine, url)


def _drop(engine: Any, url: str) -> None:
    """Remove the scratch database."""
    from sqlalchemy import create_engine, text

    name = engine.url.database
    engine.dispose()
    if engine.dialect.name == "postgresql":
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    else:
        Path(name).unlink(missing_ok=True)


def main() -> None:
    """Parse the options and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-forecast", action="store_true")
    parser.add_argument("--skip-dashboard", action="store_true")
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="build the book into the scratch database NAME once, keep it and reuse it later",
    )
    parser.add_argument("--build-only", action="store_true", help="with --keep: only build")
    args = parser.parse_args()
    if args.build_only:
        if _existing_book(args.db, args.keep) is None:
            _build_book(args.db, args.loans, args.keep)
        return
    if not args.skip_forecast:
        bench_forecast()
    if not args.skip_dashboard:
        bench_dashboard(args.db, args.loans, args.keep)


if __name__ == "__main__":
    main()
