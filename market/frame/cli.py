"""The `ipmarket` command: Flask's CLI plus database, seed, demo and clock commands."""

from __future__ import annotations

import copy
import os
import sys
import time
from datetime import date, timedelta
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from market.domain.errors import DomainError
from market.frame import jobs, migrate
from market.frame.config import ConfigError, load_config
from market.frame.db import close_session, get_bind, get_session, transaction
from market.frame.outbox_cli import outbox_group
from market.frame.payments_cli import payments_group
from market.frame.roles import RoleError, app_role_statements
from market.services.clock import business_date
from market.services.dayend import run_day_end


class _Cli(FlaskGroup):
    """Flask's command group; the commands that serve the site first check SECRET_KEY."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The named command (`run` wrapped so it refuses to serve without a secret key)."""
        command = super().get_command(ctx, name)
        if name in SERVING_COMMANDS and command is not None:
            return _needing_secret(command)
        return command


def _needing_secret(command: click.Command) -> click.Command:
    """A copy of `command` that exits with a one-line message when SECRET_KEY is missing."""
    inner = command.callback
    assert inner is not None

    def callback(*args: Any, **kwargs: Any) -> Any:
        try:
            load_config(".")
        except ConfigError as exc:
            click.echo(f"ipmarket: {exc}", err=True)
            raise SystemExit(2) from exc
        return inner(*args, **kwargs)

    guarded = copy.copy(command)
    guarded.callback = callback
    return guarded


def main() -> None:
    """Entry point of the `ipmarket` console script."""
    # `ipmarket demo` is the local demo: development settings unless told otherwise.
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        os.environ.setdefault("IPMARKET_ENV", "development")
    from market import create_app

    # Help, migrations and seeding need no secret key; `run` checks it (see _Cli).
    group = _Cli(
        create_app=lambda: create_app(require_secret=False),
        help="IP pledge financing marketplace.",
    )
    for command in COMMANDS:
        group.add_command(command)
    try:
        group()
    except ConfigError as exc:
        click.echo(f"ipmarket: {exc}", err=True)
        raise SystemExit(2) from exc


@click.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema up to a revision."""
    migrate.upgrade(get_bind(), revision)
    click.echo(f"Database is at {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to a revision (e.g. base)."""
    migrate.downgrade(get_bind(), revision)
    click.echo(f"Database is at {revision}.")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema's revision."""
    migrate.current(get_bind())


@db_group.command("create-roles")
@click.option("--app-role", default="ipmarket_app", show_default=True)
@click.option(
    "--password-env",
    default=None,
    metavar="VAR",
    help="Name of an environment variable holding the role's password.",
)
@click.option("--print", "print_only", is_flag=True, help="Print the SQL instead of running it.")
@with_appcontext
def db_create_roles(app_role: str, password_env: str | None, print_only: bool) -> None:
    """Create the site's PostgreSQL role and its grants (run as the owner, after upgrade)."""
    bind = get_bind()
    if bind.dialect.name != "postgresql":
        raise click.ClickException("roles are for PostgreSQL; SQLite has none")
    password = os.environ.get(password_env) if password_env else None
    if password_env and not password:
        raise click.ClickException(f"{password_env} is not set")
    try:
        statements = app_role_statements(
            app_role, database=bind.engine.url.database or "", password=password
        )
    except RoleError as exc:
        raise click.ClickException(str(exc)) from exc
    if print_only:  # the password is not echoed
        shown = app_role_statements(
            app_role, database=bind.engine.url.database or "", password="***" if password else None
        )
        click.echo(";\n".join(shown) + ";")
        return
    with bind.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    click.echo(f"Role {app_role} may use the database; connect the site as {app_role}.")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the schema (same as `db upgrade`)."""
    migrate.upgrade(get_bind())
    click.echo("Database schema is up to date.")


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Load demo organisations, users and IP assets (safe to run again)."""
    from market.frame.seeding import seed_demo

    try:
        report = seed_demo(get_session())
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors}") from exc
    for what in sorted(set(report.created) | set(report.existing)):
        click.echo(
            f"{what}: {report.created.get(what, 0)} created, "
            f"{report.existing.get(what, 0)} already there"
        )


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and exit.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate, seed and serve the site with demo data."""
    from market.frame.seeding import demo_logins, seed_demo

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    migrate.upgrade(get_bind())
    report = seed_demo(get_session())
    click.echo(
        f"Demo data: {sum(report.created.values())} rows created, "
        f"{sum(report.existing.values())} already there."
    )
    click.echo(f"Database: {app.config['DATABASE_URL']}")
    click.echo("Demo sign-ins:")
    for role, email, password in demo_logins():
        click.echo(f"  {role:<14} {email:<34} {password}")
    click.echo(f"Open http://{host}:{port}/ in your browser (Ctrl+C stops the site).")
    # The server's requests open their own sessions; ours must not hold SQLite's lock.
    close_session()
    if not no_serve:
        # app.run() is a no-op under the flask CLI, so serve with werkzeug directly.
        from werkzeug.serving import run_simple

        run_simple(host, port, app, use_reloader=False, threaded=True)


@click.command("advance-date")
@click.option("--days", type=click.IntRange(min=1), help="Move forward by this many days.")
@click.option(
    "--to",
    "to_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Move to this date (YYYY-MM-DD).",
)
@with_appcontext
def advance_date(days: int | None, to_day: object) -> None:
    """Move the business date forward."""
    session = get_session()
    if (days is None) == (to_day is None):
        raise click.UsageError("Give exactly one of --days or --to.")
    target: date = business_date(session) + timedelta(days=days) if days else to_day.date()  # type: ignore[attr-defined]
    started = time.perf_counter()

    def progress(step: str) -> None:
        click.echo(f"  day-end: {step} ({time.perf_counter() - started:.1f} s)")

    try:
        with transaction(session):
            done = run_day_end(session, actor=None, day=target, progress=progress)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Business date: {target.isoformat()}: {done.offers_expired} offers expired, "
        f"{done.loans_accrued} loans accrued penalty interest, "
        f"{done.loans_recounted} loans' days past due changed, {done.loans_reclassified} "
        f"reclassified ({time.perf_counter() - started:.1f} s)"
    )


@click.command("desk-rollup")
@with_appcontext
def desk_rollup_command() -> None:
    """Refresh the desk's roll-ups now (the day-end does it every day)."""
    from market.services import desk_rollup

    session = get_session()
    started = time.perf_counter()
    with transaction(session):
        taken = desk_rollup.refresh(session, today=business_date(session))
    click.echo(
        f"Desk roll-ups as of {taken.as_of.isoformat()} ({time.perf_counter() - started:.1f} s)"
    )


@click.command("generate-book")
@click.option("--loans", type=click.IntRange(min=1, max=1_000_000), required=True,
              help="How many loans to write.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@with_appcontext
def generate_book(loans: int, seed: int) -> None:
    """Fill the database with a generated book of loans (bulk inserts; not for the demo)."""
    from market.frame.bookgen import generate_book as generate

    session = get_session()
    with click.progressbar(length=loans, label="Writing loans") as bar, transaction(session):
        report = generate(session, loans=loans, seed=seed, progress=bar.update)
    for table, count in sorted(report.rows.items()):
        click.echo(f"{table}: {count}")


@click.command(
    "simulate",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def simulate(args: tuple[str, ...]) -> None:
    """Simulate a portfolio CSV under a loss-sharing scheme (riskpool; --help for options)."""
    from riskpool.cli import main as riskpool_main

    code = riskpool_main(["simulate", *args])
    if code:
        raise SystemExit(code)


COMMANDS = (
    db_group,
    init_db,
    seed,
    demo,
    advance_date,
    desk_rollup_command,
    generate_book,
    simulate,
    payments_group,
    outbox_group,
    jobs.worker,
)
SERVING_COMMANDS = frozenset({"run"})


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
