"""Paying a loan out shows first the amount, who is paid and the first instalment (issue 16,
"Confirm with a preview"); the payout then writes exactly the previewed schedule.

Worked by hand: the fixtures' loan is 1,000,000 CNY at 4.35% for 12 months, paid out on the
business date 2026-01-05 under actual/360; its first instalment falls due a month later,
2026-02-05, 31 days on, with interest 1,000,000 x 4.35% x 31 / 360 = 3,745.83 CNY.
"""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlmodel import Session

from market.domain.money import format_fen
from market.domain.states import LoanStatus
from market.models.lending import Loan
from market.services import servicing
from market.services.previews import FIELD
from tests.market.conftest import World, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import make_loan, setup_pool
from tests.market.previewkit import preview


def test_the_payout_preview_shows_the_first_instalment_that_is_then_written(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world, disburse=False)
    sign_in(client, world.users["bank_officer"])
    url = f"/loans/{loan.id}/disburse"
    form = keyed({"day_count": "actual_360", "penalty_markup": "50"})
    page, digest = preview(client, url, form)
    text = page.get_data(as_text=True)
    assert "1,000,000.00" in text and world.sme_org.name in text
    assert "3,745.83" in text  # the first period's interest, worked by hand
    assert servicing.instalments(session, loan.id or 0) == []  # nothing written yet
    assert session.get(Loan, loan.id, populate_existing=True).status is (  # type: ignore[union-attr]
        LoanStatus.AWAITING_DISBURSEMENT
    )

    assert client.post(url, data={**form, FIELD: digest}).status_code == 302
    rows = servicing.instalments(session, loan.id or 0)
    first = rows[0]
    assert (first.due_on, first.interest_due) == (date(2026, 2, 5), 3_745_83)
    assert format_fen(first.principal_due + first.interest_due) in text  # as previewed
    assert len(rows) == 12
