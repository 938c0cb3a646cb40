"""Arrangements shared by the payment tests."""

from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from market.domain.kinds import AssetKind, LedgerAccount
from market.models.assets import IPAsset
from market.models.payments import Payment
from market.models.pool import LedgerEntry
from market.models.valuations import AssetValuation
from tests.market.conftest import World
from tests.market.factories import make_asset


def valuation_of(session: Session, world: World, kind: AssetKind) -> AssetValuation:
    """A new asset of the world's SME and its (only) valuation."""
    asset: IPAsset = make_asset(session, world.sme, kind)
    valuation = session.exec(
        select(AssetValuation).where(AssetValuation.asset_id == asset.id)
    ).one()
    return valuation


def start(client: FlaskClient, purpose: str, subject_id: int) -> Any:
    """The SME confirms the quote (POST); returns the response."""
    return client.post(f"/payments/new/{purpose}/{subject_id}")


def only_payment(session: Session) -> Payment:
    """The one payment in the database (fresh from it)."""
    session.expire_all()
    return session.exec(select(Payment)).one()


def subsidies_posted(session: Session) -> int:
    """Debits minus credits of the pool's subsidies account."""
    debit, credit = session.exec(
        select(
            func.coalesce(func.sum(LedgerEntry.debit), 0),
            func.coalesce(func.sum(LedgerEntry.credit), 0),
        ).where(col(LedgerEntry.account) == LedgerAccount.FEE_SUBSIDIES)
    ).one()
    return int(debit) - int(credit)


def event_of(body: bytes) -> dict[str, Any]:
    """A webhook body as a dict."""
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def text_of(response: Any) -> str:
    """A page's text without tags (for asserting on what the user reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
