"""Page latency and query counts at 1,000 and 100,000 loans, and the day-end time.

Builds (or, with --reuse, reuses) throw-away PostgreSQL databases holding generated books,
then for each page prints the median and p95 latency over repeated requests (Flask test
client, the busiest user of each role signed in), the SQL statements per request, the
response size, and the ratio between the two books; then the time of a set-based day-end
(the business date moved by one day, rolled back).

Run: .venv/bin/python bench/pages.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from market import create_app
from market.domain.kinds import Role
from market.frame import migrate
from market.frame.bookgen import generate_book
from market.frame.db import make_engine
from market.models.lending import Loan
from market.models.orgs import User
from market.services.clock import business_date
from market.services.dayend import run_day_end

PAGES = (
    ("bureau pool overview", Role.BUREAU, "/pool/"),
    ("claims queue", Role.BUREAU, "/pool/claims"),
    ("pool ledger", Role.BUREAU, "/pool/ledger"),
    ("bank's request list", Role.BANK_OFFICER, "/financing/"),
    ("bank's loan list", Role.BANK_OFFICER, "/loans/"),
    ("SME dashboard", Role.SME, "/dashboard"),
    ("admin audit log", Role.ADMIN, "/admin/audit"),
    ("bureau loans, filtered", Role.BUREAU, "/loans/?status=active&class=loss&sort=dpd"),
)


def database(base: str, loans: int, reuse: bool, prefix: str) -> tuple[str, Engine]:
    """The URL and engine of a database holding a book of `loans` loans."""
    server = make_url(base)
    name = f"{prefix}_{loans}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first() is not None
        if found and not reuse:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            found = False
        if not found:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        have = session.execute(select(func.count()).select_from(Loan)).scalar_one()
        if have < loans:
            started = time.perf_counter()
            generate_book(session, loans=loans - have, seed=1)
            session.commit()
            print(f"  generated {loans - have} loans in {time.perf_counter() - started:.0f} s")
    # The steady state of a live database: statistics fresh and the visibility map set (what
    # autovacuum does after a bulk load), so counts can use index-only scans.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return url, engine


def busiest(session: Session, role: Role) -> int:
    """The id of the user of `role` whose organisation has the most loans (or the first)."""
    if role in (Role.SME, Role.BANK_OFFICER):
        column = Loan.borrower_id if role is Role.SME else Loan.bank_id
        org = session.execute(
            select(column).group_by(column).order_by(func.count().desc())
        ).scalars().first()
        query = select(User.id).where(User.organisation_id == org, User.role == role)
    else:
        query = select(User.id).where(User.role == role).order_by(User.id)  # type: ignore[arg-type]
    user_id = session.execute(query).scalars().first()
    assert user_id is not None
    return int(user_id)


def measure(url: str, engine: Engine, repeat: int) -> dict[str, dict[str, float]]:
    """Per page: median and p95 latency (ms), statements per request, response bytes."""
    app = create_app(
        {"TESTING": True, "ENV_NAME": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url,
         "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost"}
    )
    app_engine = app.extensions["ipmarket.bind"]
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(app_engine, "before_cursor_execute", count)
    results: dict[str, dict[str, float]] = {}
    with Session(engine) as session:
        users = {role: busiest(session, role) for _, role, _ in PAGES}
    client = app.test_client()
    for label, role, path in PAGES:
        with client.session_transaction() as sess:
            sess.clear()
            sess["_user_id"] = str(users[role])
            sess["_fresh"] = True
        client.get(path)  # warm caches and templates
        times = []
        size = 0
        statements[0] = 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            size = len(response.data)
        times.sort()
        results[label] = {
            "median": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "queries": statements[0] / repeat,
            "bytes": size,
        }
    return results


def day_end(engine: Engine) -> float:
    """Seconds for one set-based day-end (the date moved by a day), rolled back."""
    with Session(engine) as session:
        day = business_date(session) + timedelta(days=1)
        started = time.perf_counter()
        run_day_end(session, actor=None, day=day)
        session.flush()
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed


def main() -> None:
    """Build the books, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL server URL (any database)")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep books built by a former run")
    parser.add_argument("--prefix", default="ipm_bench_pages", help="database name prefix")
    args = parser.parse_args()
    figures = {}
    ends = {}
    for size in (args.small, args.large):
        print(f"book of {size} loans ...", flush=True)
        url, engine = database(args.db, size, args.reuse, args.prefix)
        figures[size] = measure(url, engine, args.repeat)
        ends[size] = min(day_end(engine) for _ in range(3))
        engine.dispose()
    small, large = figures[args.small], figures[args.large]
    head = (f"{'page':<26} {'median ms':>19} {'p95 ms':>17} {'queries':>9} {'bytes':>17}"
            f" {'ratio':>6}")
    print(f"\n{args.small} -> {args.large} loans; {args.repeat} requests per page")
    print(head)
    for label in small:
        a, b = small[label], large[label]
        print(
            f"{label:<26} {a['median']:>8.1f} {b['median']:>9.1f} {a['p95']:>8.1f} {b['p95']:>8.1f}"
            f" {a['queries']:>4.0f} {b['queries']:>4.0f} {a['bytes']:>8.0f} {b['bytes']:>8.0f}"
            f" {b['median'] / a['median']:>6.2f}"
        )
    print(f"{'day-end (1 day, s)':<26} {ends[args.small]:>8.2f} {ends[args.large]:>9.2f}"
          f" {'':>17} {'':>9} {'':>17} {ends[args.large] / ends[args.small]:>6.2f}")


if __name__ == "__main__":
    main()
