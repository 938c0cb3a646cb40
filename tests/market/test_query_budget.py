"""No page issues more than 30 SQL statements, and none issues more as the book grows: every
role's main pages are counted on a generated book of 20 loans (every list has rows) and again
after it has grown to 80 loans (the users shown are those with the most data in each book)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Connection, func, select
from sqlmodel import Session

from market.domain.kinds import Role
from market.frame.bookgen import generate_book
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import Claim, LedgerEntry, Receivable
from tests.market.conftest import sign_in
from tests.market.query_budget import counting

BUDGET = 30
PAGES: dict[Role, tuple[str, ...]] = {
    Role.SME: ("/dashboard", "/assets/", "/financing/", "/loans/", "/notifications/"),
    Role.BANK_OFFICER: ("/dashboard", "/financing/", "/loans/", "/financing/?status=open",
                        "/claims/", "/notifications/"),
    Role.BUREAU: ("/pool/", "/pool/claims", "/pool/ledger", "/pool/npl", "/loans/", "/financing/",
                  "/assets/", "/receivables", "/admin/audit"),
    Role.ADMIN: ("/admin/organisations", "/admin/users", "/admin/audit", "/admin/clock",
                 "/loans/?q=Co&status=active"),
    Role.INSURER: ("/receivables",),
}


def _busiest(session: Session, role: Role) -> User:
    """The user of `role` whose organisation has the most loans (any user if none has)."""
    if role in (Role.SME, Role.BANK_OFFICER):
        column = Loan.borrower_id if role is Role.SME else Loan.bank_id
        org = session.execute(
            select(column).group_by(column).order_by(func.count().desc(), column)
        ).scalars().first()
        user = session.execute(
            select(User).where(User.organisation_id == org, User.role == role)
        ).scalars().first()
    else:
        user = session.execute(
            select(User).where(User.role == role).order_by(User.id)  # type: ignore[arg-type]
        ).scalars().first()
    assert user is not None
    return user


def _counts(app: Flask, session: Session, connection: Connection) -> dict[str, int]:
    client = app.test_client()
    counts: dict[str, int] = {}
    for role, pages in PAGES.items():
        sign_in(client, _busiest(session, role))
        for url in pages:
            with counting(connection) as seen:
                response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            counts[f"{role.value} {url}"] = len(seen)
    return counts


def test_pages_keep_to_the_query_budget_whatever_the_size(
    app: Flask, session: Session, connection: Connection
) -> None:
    generate_book(session, loans=20, seed=11)
    session.commit()
    for model in (Claim, Receivable, LedgerEntry):
        # Every list shows rows in the small book too, so a count per row would show.
        assert session.execute(select(func.count()).select_from(model)).scalar_one() > 0
    small = _counts(app, session, connection)
    generate_book(session, loans=60, seed=12)
    session.commit()
    large = _counts(app, session, connection)
    over = {page: n for page, n in large.items() if n > BUDGET}
    assert not over, f"pages over {BUDGET} queries: {over}"
    grew = {page: (small[page], n) for page, n in large.items() if n > small[page]}
    assert not grew, f"queries grow with the data (20 -> 80 loans): {grew}"
