"""The NPL page: the live enrolled book and its non-performing part by IP kind, industry,
region and days past due, each one GROUP BY over the loans (no row is loaded into Python)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from market.domain.messages import _l
from market.domain.schedule import Classification
from market.domain.states import Enrolment, LoanStatus
from market.frame.db import get_session
from market.models.assets import IPAsset
from market.models.lending import Loan
from market.models.orgs import Organisation
from market.models.pledges import Pledge
from market.services import requests as request_svc
from market.services.clock import business_date
from market.text.reference import INDUSTRY_LABELS, KIND_LABELS, REGIONS
from market.views.authz import roles_required
from market.views.pool.blueprint import READERS, bp

NPL = tuple(c.value for c in Classification if c.is_npl)
SERVICED = (LoanStatus.ACTIVE.value, LoanStatus.IN_CLAIM.value)
DPD_BUCKETS = ((0, "0"), (30, "1–30"), (90, "31–90"), (180, "91–180"), (270, "181–270"),
               (360, "271–360"))


@dataclass(frozen=True)
class Slice:
    """One group of the live enrolled book."""

    key: str
    label: Any
    loans: int
    principal: int
    npl_loans: int
    npl_principal: int

    @property
    def npl_percent(self) -> Decimal | None:
        """NPL principal as a percentage of the group's principal."""
        if self.principal <= 0:
            return None
        return (Decimal(self.npl_principal) * 100 / self.principal).quantize(Decimal("0.01"))


def _dpd_bucket() -> Any:
    whens = [(col(Loan.days_past_due) <= limit, label) for limit, label in DPD_BUCKETS]
    return case(*whens, else_="> 360")


def _slices(
    session: Session, key: Any, joins: tuple[Any, ...] = ()
) -> list[tuple[str, int, int, int, int]]:
    live = and_(
        col(Loan.enrolment) == Enrolment.ENROLLED,
        col(Loan.status).in_(request_svc.LIVE_LOAN_STATUSES),
    )
    npl = and_(col(Loan.status).in_(SERVICED), col(Loan.classification).in_(NPL))
    query = sa_select(
        key,
        func.count(),
        func.coalesce(func.sum(Loan.principal), 0),
        func.coalesce(func.sum(case((npl, 1), else_=0)), 0),
        func.coalesce(func.sum(case((npl, Loan.principal), else_=0)), 0),
    ).select_from(Loan)
    for target, on in joins:
        query = query.join(target, on)
    rows = session.execute(query.where(live).group_by(key).order_by(key)).all()
    return [(str(k or ""), int(a), int(b), int(c), int(d)) for k, a, b, c, d in rows]


def npl_breakdown(session: Session) -> dict[str, list[Slice]]:
    """The book by IP kind, industry, region and days past due (four queries)."""
    by_borrower = ((Organisation, col(Organisation.id) == Loan.borrower_id),)
    kinds_pledged = (
        select(col(Pledge.loan_id).label("loan_id"), col(IPAsset.kind).label("kind"))
        .join(IPAsset, col(IPAsset.id) == Pledge.asset_id)
        .distinct()
        .subquery("kinds_pledged")
    )
    pledged = ((kinds_pledged, kinds_pledged.c.loan_id == Loan.id),)
    industry = dict(INDUSTRY_LABELS.items())
    kinds = dict(KIND_LABELS.items())
    regions = dict(REGIONS)
    dpd = dict((label, label) for _, label in DPD_BUCKETS)

    def slices(rows: list[tuple[str, int, int, int, int]], labels: dict[Any, Any]) -> list[Slice]:
        named = {str(getattr(k, "value", k)): v for k, v in labels.items()}
        return [Slice(k, named.get(k, k or "—"), *rest) for k, *rest in rows]

    return {
        "kind": slices(_slices(session, kinds_pledged.c.kind, pledged), kinds),
        "industry": slices(_slices(session, col(Organisation.industry), by_borrower), industry),
        "region": slices(_slices(session, col(Organisation.region), by_borrower), regions),
        "dpd": slices(_slices(session, _dpd_bucket()), dpd),
    }


TITLES = {
    "kind": _l("By IP kind (a mixed pledge counts under each of its kinds)"),
    "industry": _l("By the borrower's industry"),
    "region": _l("By the borrower's region"),
    "dpd": _l("By days past due"),
}


@bp.route("/npl")
@roles_required(*READERS)
def npl() -> ResponseReturnValue:
    """The live enrolled book and its NPLs by IP kind, industry, region and days past due."""
    session = get_session()
    return render_template(
        "pool/npl.html",
        today=business_date(session),
        tables=npl_breakdown(session),
        titles=TITLES,
    )
