"""Notifications (issue 16): each event tells the right users and nobody else (no notice
crosses to another bank or company), e-mails follow each user's choice, and the pages show the
notices in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlmodel import Session, col, select

from market.domain.kinds import NoticeKind, OrgKind, Role
from market.models.notifications import Notification
from market.models.orgs import User
from market.models.outbox import OutboxEmail
from market.services import claim_decision, notifications
from market.services import offers as offer_svc
from tests.market import factories
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import (
    make_claim,
    make_loan,
    make_npl,
    make_offer,
    make_request,
    offer_input,
    setup_pool,
)
from tests.market.query_budget import counting


@dataclass
class OtherBank:
    officer: User
    approver: User


def other_bank(session: Session) -> OtherBank:
    """A second participating bank, whose staff must never see the first bank's notices."""
    bank = factories.make_org(session, OrgKind.BANK)
    return OtherBank(
        officer=factories.make_user(session, bank, Role.BANK_OFFICER),
        approver=factories.make_user(session, bank, Role.BANK_APPROVER),
    )


def told(session: Session, kind: NoticeKind, object_id: int | None = None) -> set[int]:
    """The ids of the users told of `kind` (about `object_id` if given)."""
    query = select(Notification.user_id).where(Notification.kind == kind)
    if object_id is not None:
        query = query.where(Notification.object_id == object_id)
    return set(session.exec(query).all())


def emailed(session: Session, kind: NoticeKind) -> set[str]:
    """The addresses an e-mail of `kind` is queued for."""
    return set(session.exec(select(OutboxEmail.to_address).where(OutboxEmail.kind == kind)).all())


def uid(user: User) -> int:
    assert user.id is not None
    return user.id


def test_a_request_tells_the_officers_of_the_banks_it_is_addressed_to(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    other = other_bank(session)
    to_all = make_request(session, world)
    assert told(session, NoticeKind.NEW_REQUEST, to_all.id) == {
        uid(world.users["bank_officer"]), uid(other.officer)
    }
    to_one = make_request(session, world, bank_id=world.bank.id)
    # Only the addressed bank's officers: not its approver, not the other bank.
    assert told(session, NoticeKind.NEW_REQUEST, to_one.id) == {uid(world.users["bank_officer"])}
    notice = session.exec(
        select(Notification).where(Notification.object_id == to_one.id)
    ).one()
    assert notice.params["amount"] == 1_000_000_00 and notice.params["months"] == 12
    assert notice.params["company"] == world.sme_org.name


def test_offers_tell_the_approver_then_the_company_or_the_proposing_officer(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    other = other_bank(session)
    second_officer = factories.make_user(session, world.bank, Role.BANK_OFFICER)
    request = make_request(session, world)
    assert request.id is not None
    offer = make_offer(session, world, request.id, approve=False)
    assert told(session, NoticeKind.OFFER_TO_APPROVE, offer.id) == {
        uid(world.users["bank_approver"])
    }
    offer_svc.decide_offer(
        session, actor=world.users["bank_approver"], offer_id=offer.id or 0, approve=False,
        reason="Rate below our floor for grade BBB",
    )
    # Sent back: only the officer who proposed it (not a colleague, not the company).
    assert told(session, NoticeKind.OFFER_SENT_BACK) == {uid(world.users["bank_officer"])}
    assert uid(second_officer) not in told(session, NoticeKind.OFFER_SENT_BACK)
    assert told(session, NoticeKind.OFFER_RECEIVED) == set()
    # A new offer, approved, reaches the company only.
    again = offer_svc.propose_offer(
        session, actor=second_officer, request_id=request.id, data=offer_input(rate_bp=480)
    )
    offer_svc.decide_offer(
        session, actor=world.users["bank_approver"], offer_id=again.id or 0, approve=True
    )
    assert told(session, NoticeKind.OFFER_RECEIVED, again.id) == {uid(world.sme)}
    notice = session.exec(
        select(Notification).where(Notification.kind == NoticeKind.OFFER_RECEIVED)
    ).one()
    assert notice.params["rate"] == 480 and notice.params["bank"] == world.bank.name
    offer_kinds = [NoticeKind.OFFER_TO_APPROVE, NoticeKind.OFFER_SENT_BACK,
                   NoticeKind.OFFER_RECEIVED]
    told_of_offers = set(session.exec(
        select(Notification.user_id).where(col(Notification.kind).in_(offer_kinds))
    ).all())
    assert not told_of_offers & {uid(other.officer), uid(other.approver),
                                 uid(world.users["other_sme"])}


def test_claims_tell_the_bureau_then_the_bank_and_a_suspension_the_bank(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    other = other_bank(session)
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    # Filed: the bureau's users (the platform admin is not a claims reader).
    assert told(session, NoticeKind.CLAIM_FILED, claim.id) == {uid(world.users["bureau"])}
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    bank_staff = {uid(world.users["bank_officer"]), uid(world.users["bank_approver"])}
    assert told(session, NoticeKind.CLAIM_DECIDED, claim.id) == bank_staff
    decided = session.exec(
        select(Notification).where(Notification.kind == NoticeKind.CLAIM_DECIDED)
    ).first()
    assert decided is not None
    # Demo scheme: the pool bears 54% of the loss; nothing was repaid, so the loss is the
    # whole 1,000,000 CNY principal and the pool pays 540,000 CNY (worked from the shares).
    assert decided.params["outcome"] == "approved"
    assert decided.params["loss"] == 1_000_000_00 and decided.params["paid"] == 540_000_00
    # One claim of 100% losses passes the 3% trigger: the bank is suspended and told.
    assert told(session, NoticeKind.SUSPENSION) == bank_staff
    for kind in (NoticeKind.CLAIM_FILED, NoticeKind.CLAIM_DECIDED, NoticeKind.SUSPENSION):
        assert not told(session, kind) & {uid(other.officer), uid(other.approver)}, kind


def test_e_mails_follow_each_users_choice_and_notices_stay(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    officer = world.users["bank_officer"]
    notifications.set_email_choices(session, actor=officer, wanted=set())
    request = make_request(session, world)
    assert request.id is not None
    assert uid(officer) in told(session, NoticeKind.NEW_REQUEST)  # in the site all the same
    assert officer.email not in emailed(session, NoticeKind.NEW_REQUEST)
    offer = make_offer(session, world, request.id, approve=False)
    approver = world.users["bank_approver"]
    assert emailed(session, NoticeKind.OFFER_TO_APPROVE) == {approver.email}
    # An e-mail waits for the sender with no words yet: they are written in the reader's
    # language when it is sent.
    row = session.exec(select(OutboxEmail).where(OutboxEmail.kind == "offer_to_approve")).one()
    assert row.notification_id is not None and row.subject == "" and row.sent_at is None
    # Choices cover only the kinds of the role; a kind of another role is ignored.
    after = notifications.set_email_choices(
        session, actor=approver, wanted={NoticeKind.SUSPENSION, NoticeKind.PAYMENT_DUE}
    )
    assert after == {NoticeKind.OFFER_TO_APPROVE: False, NoticeKind.CLAIM_DECIDED: False,
                     NoticeKind.SUSPENSION: True}
    assert offer.id is not None


def test_the_bell_the_list_and_marking_read(
    session: Session, world: World, client: FlaskClient
) -> None:
    setup_pool(session, world)
    request = make_request(session, world, bank_id=world.bank.id)
    assert request.id is not None
    officer = world.users["bank_officer"]
    sign_in(client, officer)
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'class="bell-count">1<' in page
    assert f"New financing request no. {request.id}" in page
    assert "asks for ¥1,000,000.00 over 12 months" in page
    client.set_cookie("lang", "zh")
    zh = client.get("/notifications/").get_data(as_text=True)
    assert f"新的融资申请（第 {request.id} 号）" in zh
    notice = session.exec(select(Notification).where(Notification.user_id == officer.id)).one()
    # Another user cannot open (or learn of) the officer's notice.
    sign_in(client, world.users["bank_approver"])
    assert client.post(f"/notifications/{notice.id}/open").status_code == 404
    sign_in(client, officer)
    opened = client.post(f"/notifications/{notice.id}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/financing/{request.id}")
    session.refresh(notice)
    assert notice.read_at is not None
    assert 'class="bell-count"' not in client.get("/dashboard").get_data(as_text=True)
    # Opening it again changes nothing.
    first_read = notice.read_at
    client.post(f"/notifications/{notice.id}/open")
    session.refresh(notice)
    assert notice.read_at == first_read


def test_mark_all_read_and_the_choice_page(
    session: Session, world: World, client: FlaskClient
) -> None:
    setup_pool(session, world)
    make_request(session, world)
    make_request(session, world)
    officer = world.users["bank_officer"]
    sign_in(client, officer)
    assert 'class="bell-count">2<' in client.get("/dashboard").get_data(as_text=True)
    client.post("/notifications/read")
    unread = session.exec(
        select(Notification).where(
            Notification.user_id == officer.id, col(Notification.read_at).is_(None)
        )
    ).all()
    assert unread == []
    page = client.get("/notifications/email").get_data(as_text=True)
    assert "A new financing request to my bank" in page
    assert "An offer received on my request" not in page  # not a bank officer's kind
    client.post("/notifications/email", data={"email": ["claim_decided", "bogus"]})
    assert notifications.email_choices(session, officer) == {
        NoticeKind.NEW_REQUEST: False,
        NoticeKind.OFFER_SENT_BACK: False,
        NoticeKind.CLAIM_DECIDED: True,
        NoticeKind.SUSPENSION: False,
    }


def test_the_bell_and_the_list_cost_the_same_whatever_the_number_of_notices(
    session: Session, world: World, client: FlaskClient, connection: Connection
) -> None:
    officer = world.users["bank_officer"]
    sign_in(client, officer)

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            session.add(Notification(
                user_id=uid(officer), kind=NoticeKind.NEW_REQUEST, object_id=n,
                params={"request": n, "company": "Co", "amount": 100, "months": 6},
                created_on=date(2026, 1, 5),
            ))
        session.commit()

    def cost() -> dict[str, int]:
        counts = {}
        for url in ("/dashboard", "/notifications/"):
            with counting(connection) as seen:
                assert client.get(url).status_code == 200
            counts[url] = len(seen)
        return counts

    add(2, 1)
    few = cost()
    add(150, 100)
    many = cost()
    assert many == few
    # The bell counts to 99 and says "99+" beyond.
    assert 'class="bell-count">99+<' in client.get("/dashboard").get_data(as_text=True)
