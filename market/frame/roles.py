"""The application's own PostgreSQL role: what it may do, as SQL the owner runs.

Migrations run as the owner of the tables; the site connects as the application role, which
may read and write ordinary tables but only read and append to the ledger and the audit log,
and may not change the schema. Run the statements again after every `ipmarket db upgrade`
(they are idempotent) so new tables get their grants.
"""

from __future__ import annotations

import re

# Rows are only ever inserted: no UPDATE, DELETE or TRUNCATE for the application.
APPEND_ONLY_TABLES = ("ledger_entry", "audit_event", "ledger_reversal")
# Read only for the application.
READ_ONLY_TABLES = ("alembic_version",)
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleError(ValueError):
    """A role name or password that cannot be used."""


def _literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1)."""
    if "\x00" in value:
        raise RoleError("a password cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def app_role_statements(app_role: str, *, database: str, password: str | None = None) -> list[str]:
    """SQL that creates `app_role` (if missing) and grants it exactly what the site needs."""
    if not ROLE_NAME.fullmatch(app_role):
        raise RoleError(f"not a plain role name: {app_role!r}")
    if not database or "\x00" in database:
        raise RoleError(f"not a database name: {database!r}")
    login = f"LOGIN PASSWORD {_literal(password)}" if password else "LOGIN"
    role, db = app_role, '"' + database.replace('"', '""') + '"'
    append_only = ", ".join(APPEND_ONLY_TABLES)
    return [
        # CREATE ROLE has no IF NOT EXISTS; concurrent runs may race on the catalogue.
        f"""DO $$ BEGIN CREATE ROLE {role} {login} NOSUPERUSER NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$""",
        *([f"ALTER ROLE {role} {login}"] if password else []),
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",
        f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE ON {append_only} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(READ_ONLY_TABLES)} FROM {role}",
        f"REVOKE INSERT, DELETE ON pool_lock FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
