"""Nothing leaks through timelines (issue 11): a request sent to every bank, won by one bank,
shows the losing bank only its own offer, on every page with a timeline, for every role."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from market.domain.kinds import OrgKind, RepaymentKind, Role
from market.models.lending import FinancingRequest, Loan, Offer
from market.models.orgs import User
from market.models.pledges import Pledge
from market.models.servicing import Repayment
from market.services import acceptance, offers, repayment
from market.services.timeline import request_timeline
from tests.market.conftest import World, sign_in
from tests.market.factories import make_org, make_user
from tests.market.lending_fixtures import make_offer, make_request, offer_input, setup_pool
from tests.market.test_permissions import PRINCIPALS

TIMELINE_PAGES = ("/financing/{request_id}", "/loans/{loan_id}")


def _arrange(session: Session, world: World) -> tuple[dict[str, User], int, Loan, int]:
    """World's bank wins a request sent to every bank; a second bank's offer lapses."""
    setup_pool(session, world)
    loser_bank = make_org(session, OrgKind.BANK)
    loser = {
        "loser_officer": make_user(session, loser_bank, Role.BANK_OFFICER),
        "loser_approver": make_user(session, loser_bank, Role.BANK_APPROVER),
    }
    request = make_request(session, world)  # to every bank
    assert request.id is not None
    theirs = offers.propose_offer(
        session, actor=loser["loser_officer"], request_id=request.id, data=offer_input()
    )
    assert theirs.id is not None
    offers.decide_offer(session, actor=loser["loser_approver"], offer_id=theirs.id, approve=True)
    ours = make_offer(session, world, request.id)
    assert ours.id is not None
    loan = acceptance.accept_offer(session, actor=world.sme, offer_id=ours.id)
    assert loan.id is not None
    loan = repayment.disburse(session, actor=world.users["bank_officer"], loan_id=loan.id)
    repayment.record_repayment(
        session,
        actor=world.users["bank_officer"],
        loan_id=loan.id,
        amount=10_000_00,
        kind=RepaymentKind.EARLY,
        reference="WINNER-REF-778",
    )
    return loser, request.id, loan, theirs.id


def _loan_objects(session: Session, loan: Loan) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = {("Loan", loan.id or 0)}
    for model in (Pledge, Repayment):
        ids = session.exec(select(model.id).where(model.loan_id == loan.id)).all()
        out |= {(model.__name__, i) for i in ids if i is not None}
    out |= {
        ("Offer", i)
        for i in session.exec(
            select(Offer.id).where(Offer.id == loan.offer_id, col(Offer.id).is_not(None))
        ).all()
        if i is not None
    }
    return out


def test_a_losing_bank_sees_none_of_the_winners_history(
    client: FlaskClient, session: Session, world: World
) -> None:
    loser, request_id, loan, their_offer = _arrange(session, world)
    req = session.get(FinancingRequest, request_id)
    assert req is not None
    winners = _loan_objects(session, loan)
    for key, user in loser.items():
        events = request_timeline(session, actor=user, request=req, loan=loan)
        shown = {(e.object_type, e.object_id) for e in events}
        assert not shown & winners, key
        assert ("Offer", their_offer) in shown  # its own offer's history is there
        sign_in(client, user)
        page = client.get(f"/financing/{request_id}")
        assert page.status_code == 200
        for secret in (b"WINNER-REF-778", world.users["bank_officer"].name.encode(), b"See loan #"):
            assert secret not in page.data, (key, secret)
        assert client.get(f"/loans/{loan.id}").status_code in (403, 404)


def test_every_role_sees_only_what_it_may_on_every_timeline_page(
    client: FlaskClient, session: Session, world: World
) -> None:
    loser, request_id, loan, _their_offer = _arrange(session, world)
    req = session.get(FinancingRequest, request_id)
    assert req is not None
    winners = _loan_objects(session, loan)
    offer_banks = {o.id: o.bank_id for o in session.exec(select(Offer)).all()}
    users = {**{p: world.users[p] for p in PRINCIPALS if p != "anonymous"}, **loser}
    opened = set()
    for key, user in users.items():
        sign_in(client, user)
        for template in TIMELINE_PAGES:
            url = template.format(request_id=request_id, loan_id=loan.id)
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (key, url)
            if response.status_code != 200:
                continue
            opened.add(key)
            shown = {
                (e.object_type, e.object_id)
                for e in request_timeline(session, actor=user, request=req, loan=loan)
            }
            if user.role in (Role.BANK_OFFICER, Role.BANK_APPROVER):
                own = user.organisation_id == loan.bank_id
                assert own or not shown & winners, (key, url)
                assert all(
                    offer_banks[i] == user.organisation_id
                    for kind, i in shown
                    if kind == "Offer" and i is not None
                ), (key, url)
            if not key.startswith("loser"):
                continue
            assert b"WINNER-REF-778" not in response.data, (key, url)
    # The borrower, both banks and the supervisors open the pages; the other SME does not.
    assert {"sme", "bank_officer", "loser_officer", "bureau", "admin"} <= opened
    assert "other_sme" not in opened
