"""Approving a claim: a preview of the split exactly as it will be posted (issue 16, "Confirm
with a preview"), a stale preview refused, and four eyes above the bureau's threshold ("Four
eyes at the bureau").

The figures are worked by hand from the demo scheme (seeds/demo/scheme.json: pool 54%, bank
26%, insurer 16%, valuer 4%) and the fixtures: a 1,000,000 CNY loan with its first instalment
95 days past due and nothing repaid, so the loss claimed is the whole principal, 1,000,000.00;
the pool holds its 40,000,000.00 opening funds. The pool's 54% is 540,000.00, the bank's 26%
260,000.00, the insurer's 16% 160,000.00 and the valuer's 4% 40,000.00; the pool's balance
after paying is 40,000,000.00 - 540,000.00 = 39,460,000.00.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from market.domain.kinds import Role
from market.domain.states import ClaimStatus
from market.frame.db import transaction
from market.models.audit import AuditEvent
from market.models.orgs import Organisation, User
from market.models.pool import Claim, LedgerEntry
from market.services import four_eyes, pool
from market.services.previews import FIELD
from tests.market import factories
from tests.market.conftest import World, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import lending_world
from tests.market.previewkit import confirmed, preview

HAND_SPLIT = {"pool": 540_000_00, "bank": 260_000_00, "insurer": 160_000_00, "valuer": 40_000_00}
BALANCE_BEFORE = 40_000_000_00
BALANCE_AFTER = 39_460_000_00
APPROVE = {"approve": "Approve", "reason": ""}


def _lines(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


def _claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id, populate_existing=True)
    assert claim is not None
    return claim


def test_the_preview_shows_the_split_that_is_then_posted(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    lines = _lines(session)
    sign_in(client, world.users["bureau"])
    url = f"/pool/claims/{lw.claim_id}/decide"
    form = keyed(APPROVE)
    page, digest = preview(client, url, form)
    text = page.get_data(as_text=True)
    for figure in (
        "540,000.00",
        "260,000.00",
        "160,000.00",
        "40,000.00",
        "1,000,000.00",
        "40,000,000.00",
        "39,460,000.00",
    ):
        assert figure in text, figure
    # The preview changed nothing.
    assert _claim(session, lw.claim_id).status is ClaimStatus.FILED
    assert _lines(session) == lines and pool.pool_balance(session) == BALANCE_BEFORE

    response = client.post(url, data={**form, FIELD: digest})
    assert response.status_code == 302
    claim = _claim(session, lw.claim_id)
    assert claim.status is ClaimStatus.APPROVED
    assert claim.split == HAND_SPLIT
    assert claim.pool_balance_at_decision == BALANCE_BEFORE
    assert pool.pool_balance(session) == BALANCE_AFTER


def test_a_stale_preview_is_refused_and_posts_nothing(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    sign_in(client, world.users["bureau"])
    url = f"/pool/claims/{lw.claim_id}/decide"
    form = keyed(APPROVE)
    _, digest = preview(client, url, form)
    # Meanwhile the pool receives 1,000.00: the balance previewed is no longer the balance.
    pool.contribute(session, actor=world.users["bureau"], amount=1_000_00, memo="Top-up")
    lines = _lines(session)
    refused = client.post(url, data={**form, FIELD: digest})
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "The figures changed since your preview" in text
    assert "40,001,000.00" in text and "39,461,000.00" in text  # the new figures to confirm
    assert _claim(session, lw.claim_id).status is ClaimStatus.FILED
    assert _lines(session) == lines
    # Confirming the new preview posts it.
    assert confirmed(client, url, APPROVE).status_code == 302
    assert _claim(session, lw.claim_id).split == HAND_SPLIT
    assert pool.pool_balance(session) == BALANCE_AFTER + 1_000_00


def _second_bureau_user(session: Session, world: World) -> User:
    bureau_org = session.get(Organisation, world.users["bureau"].organisation_id)
    assert bureau_org is not None
    return factories.make_user(session, bureau_org, Role.BUREAU)


def test_above_the_threshold_one_user_recommends_and_another_approves(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    first = world.users["bureau"]
    second = _second_bureau_user(session, world)
    sign_in(client, first)
    # The bureau sets the threshold on the claims page: 500,000 CNY, below the 540,000 share.
    response = client.post("/pool/claims/second-approval", data={"amount": "500,000"})
    assert response.status_code == 302
    assert four_eyes.threshold(session) == 500_000_00
    assert (
        session.exec(
            select(AuditEvent).where(AuditEvent.action == "pool.second_approval_threshold")
        )
        .one()
        .actor_id
        == first.id
    )
    url = f"/pool/claims/{lw.claim_id}/decide"
    lines = _lines(session)

    page, _ = preview(client, url, keyed(APPROVE))
    assert "Recommend for approval" in page.get_data(as_text=True)
    assert confirmed(client, url, APPROVE).status_code == 302
    claim = _claim(session, lw.claim_id)
    assert claim.status is ClaimStatus.FILED and claim.recommended_by_id == first.id
    assert _lines(session) == lines  # a recommendation moves no money

    # The same user cannot approve what they recommended: the preview says so, with no button,
    # and a confirmation sent anyway is refused.
    page, _ = preview(client, url, keyed(APPROVE))
    assert "a second, different bureau user must approve" in page.get_data(as_text=True)
    assert 'type="submit" class="btn">Approve and pay' not in page.get_data(as_text=True)
    again = confirmed(client, url, APPROVE)
    assert again.status_code == 409
    assert "a second, different bureau user must approve" in again.get_data(as_text=True)
    assert _claim(session, lw.claim_id).status is ClaimStatus.FILED
    assert _lines(session) == lines

    sign_in(client, second)
    assert confirmed(client, url, APPROVE).status_code == 302
    claim = _claim(session, lw.claim_id)
    assert claim.status is ClaimStatus.APPROVED and claim.split == HAND_SPLIT
    assert claim.recommended_by_id == first.id and claim.decided_by_id == second.id
    assert pool.pool_balance(session) == BALANCE_AFTER


def test_below_the_threshold_one_user_approves(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    four_eyes.set_threshold(session, actor=world.users["bureau"], amount=540_000_00)
    sign_in(client, world.users["bureau"])
    # 540,000.00 is not above a 540,000.00 threshold: one approver is enough.
    assert confirmed(client, f"/pool/claims/{lw.claim_id}/decide", APPROVE).status_code == 302
    claim = _claim(session, lw.claim_id)
    assert claim.status is ClaimStatus.APPROVED and claim.recommended_by_id is None


def test_the_database_refuses_an_approval_without_a_second_user(
    session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    bureau = world.users["bureau"]
    four_eyes.set_threshold(session, actor=bureau, amount=100_000_00)
    claim = _claim(session, lw.claim_id)
    bureau_id = bureau.id
    # Nobody recommended it / the approver did / nobody approved it.
    for recommended_by, decided_by in ((None, bureau_id), (bureau_id, bureau_id), (0, None)):
        claim.recommended_by_id = recommended_by or None
        claim.status = ClaimStatus.APPROVED
        claim.decided_by_id = decided_by
        claim.split = HAND_SPLIT
        with pytest.raises(IntegrityError), transaction(session):
            session.add(claim)
        claim = _claim(session, lw.claim_id)
        assert claim.status is ClaimStatus.FILED


def test_the_preview_reads_in_chinese(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    sign_in(client, world.users["bureau"])
    response = client.post(
        f"/pool/claims/{lw.claim_id}/decide",
        data=keyed(APPROVE),
        headers={"Accept-Language": "zh-CN"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"批准补偿申请 {lw.claim_id}？" in text and "操作后资金池余额" in text
    assert "39,460,000.00" in text and "请核对数字：确认前不会入账。" in text
