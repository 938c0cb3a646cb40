"""Load demo and reference data from seeds/ (idempotent: existing rows are left alone)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from market.domain.errors import ValidationFailed
from market.domain.kinds import (
    AssetKind,
    CompanySize,
    DisposalKind,
    Industry,
    LegalStatus,
    OrgKind,
    RepaymentKind,
    Role,
)
from market.domain.schedule import RepaymentType
from market.domain.states import AssetStatus
from market.frame.config import ROOT
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, Loan, Offer
from market.models.orgs import Organisation, User
from market.models.pool import LedgerEntry, SchemeVersion
from market.services import acceptance as acceptance_svc
from market.services import (
    accounts,
    assets,
    audit,
    claim_decision,
    pool,
    recoveries,
    servicing,
    targets,
    valuations,
)
from market.services import offers as offer_svc
from market.services import repayment as repayment_svc
from market.services import requests as request_svc
from market.services.clock import business_date
from market.services.dayend import move_business_date

DEMO_DIR = ROOT / "seeds" / "demo"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, *, new: bool) -> None:
        target = self.created if new else self.existing
        target[what] = target.get(what, 0) + 1


def _read(name: str, folder: Path) -> Any:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def seed_demo(session: Session, folder: Path = DEMO_DIR) -> SeedReport:
    """Create the demo organisations, users and IP assets that do not exist yet."""
    report = SeedReport()
    meta = _read("users.json", folder)
    password: str = meta["password"]
    admin = _ensure_admin(session, meta["admin"], password, report)
    orgs = _seed_orgs(session, admin, _read("organisations.json", folder), report)
    orgs["bureau"] = admin.organisation_id
    for row in meta["users"]:
        existing = session.exec(select(User).where(User.email == row["email"])).first()
        if existing:
            report.count("users", new=False)
            continue
        accounts.create_user(
            session,
            actor=admin,
            organisation_id=orgs[row["org"]],
            data=accounts.UserInput(
                email=row["email"], name=row["name"], password=password, role=Role(row["role"])
            ),
        )
        report.count("users", new=True)
    for row in _read("assets.json", folder):
        _seed_asset(session, row, orgs, report)
    if (folder / "scheme.json").exists():
        _seed_pool(session, _read("scheme.json", folder), orgs, report)
    if (folder / "lending.json").exists():
        later = None
        if (folder / "scheme.json").exists():
            later = _read("scheme.json", folder).get("later_version")
        _seed_lending(session, _read("lending.json", folder), orgs, report, later)
    if (folder.parent / "targets.json").exists():  # the plans' targets (the bureau's desk)
        targets.seed_targets(session, folder.parent / "targets.json")
    return report


def _user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        raise LookupError(f"demo lending: no user {email}")
    return user


def _asset_ids(session: Session, numbers: list[str]) -> list[int]:
    ids = []
    for raw in numbers:
        row = session.exec(
            select(IPAsset).where(
                IPAsset.registry_number == raw,
                IPAsset.status == AssetStatus.ACTIVE,
            )
        ).first()
        if row is None or row.id is None:
            raise LookupError(f"demo lending: no live asset {raw}")
        ids.append(row.id)
    return ids


def _ask(session: Session, story: dict[str, Any], orgs: dict[str, int]) -> FinancingRequest:
    """Send a story's financing request (at most what its valuations support)."""
    borrower = _user(session, story["borrower"])
    ids = _asset_ids(session, story["assets"])
    values = valuations.latest_for_assets(session, ids)
    supported = sum(v.max_loan for v in values.values())
    amount = min(int(story["amount_cny"]) * 100, supported // 1_000_000 * 1_000_000)
    return request_svc.create_request(
        session,
        actor=borrower,
        data=request_svc.RequestInput(
            asset_ids=ids,
            amount=max(amount, 1_000_000),
            term_months=story["term_months"],
            purpose=story["purpose"],
            wants_insurance=story["insurance"],
            bank_id=orgs[story["bank"]] if story["bank"] else None,
            other_collateral=int(story.get("other_collateral_cny", 0)) * 100,
        ),
    )


def _offer(session: Session, request: FinancingRequest, offer: dict[str, Any], term: int) -> Offer:
    """One bank's offer on a request: proposed, and approved when the story says so."""
    made = offer_svc.propose_offer(
        session,
        actor=_user(session, offer["officer"]),
        request_id=request.id or 0,
        data=offer_svc.OfferInput(
            amount=min(request.amount, request.max_loan),
            rate_bp=offer["rate_bp"],
            term_months=term,
            repayment_type=RepaymentType(offer["repayment"]),
            rating_grade=offer["grade"],
            conditions="Pledge registration at CNIPA before disbursement.",
            relending=bool(offer.get("relending", False)),
        ),
    )
    if offer.get("approver"):
        made = offer_svc.decide_offer(
            session, actor=_user(session, offer["approver"]), offer_id=made.id or 0, approve=True
        )
    return made


def _seed_lending(
    session: Session,
    data: dict[str, Any],
    orgs: dict[str, int],
    report: SeedReport,
    scheme_later: dict[str, Any] | None = None,
) -> None:
    """Play the demo's loan stories through the services (once: only on an empty book); the
    scheme's later version, if any, takes effect before the later stories."""
    if session.exec(select(FinancingRequest)).first() is not None:
        report.count("loan stories", new=False)
        return
    start = business_date(session)
    loans: dict[str, tuple[dict[str, Any], Loan]] = {}
    for story in data["stories"]:
        request = _ask(session, story, orgs)
        offer = _offer(session, request, story, story["term_months"])
        loan = acceptance_svc.accept_offer(
            session, actor=_user(session, story["borrower"]), offer_id=offer.id or 0
        )
        loan = repayment_svc.disburse(
            session, actor=_user(session, story["officer"]), loan_id=loan.id or 0
        )
        loans[story["key"]] = (story, loan)
        report.count("loan stories", new=True)
    end = start + timedelta(days=int(data["days_later"]))
    for story, loan in loans.values():
        if story["then"] != "repay":
            continue
        for row in servicing.instalments(session, loan.id or 0):
            if row.due_on > end:
                break
            with transaction(session):
                move_business_date(session, actor=None, day=max(row.due_on, business_date(session)))
            repayment_svc.record_repayment(
                session,
                actor=_user(session, story["officer"]),
                loan_id=loan.id or 0,
                amount=servicing.loan_position(session, loan).due_now,
                kind=RepaymentKind.SCHEDULED,
                reference="Demo transfer",
            )
    with transaction(session):
        move_business_date(session, actor=None, day=end)
    staff = session.exec(select(User).where(User.role == Role.BUREAU)).first()
    for story, loan in loans.values():
        if story["then"] == "repay":
            continue
        officer = _user(session, story["officer"])
        claim = claim_decision.file_claim(
            session,
            actor=officer,
            loan_id=loan.id or 0,
            note="Borrower stopped paying; pledge enforced.",
        )
        if story["then"] == "claim_approved" and staff is not None:
            claim_decision.decide_claim(
                session,
                actor=staff,
                claim_id=claim.id or 0,
                approve=True,
                reason="Collection record and pledge documents complete.",
            )
            rec = story.get("recovery")
            if rec:
                recoveries.record_recovery(
                    session,
                    actor=officer,
                    loan_id=loan.id or 0,
                    disposal=DisposalKind(rec["disposal"]),
                    proceeds=int(rec["proceeds"]),
                    counterparty=rec["counterparty"],
                )
    if scheme_later is not None and staff is not None:
        # The bureau's second scheme version takes effect now: the later loans enrol under it.
        pool.add_scheme_version(
            session,
            actor=staff,
            document=scheme_later["scheme"],
            effective_from=business_date(session),
            partners={party: orgs[key] for party, key in scheme_later["partners"].items()},
        )
    for story in data["later"]:
        request = _ask(session, story, orgs)
        made = [_offer(session, request, offer, story["term_months"]) for offer in story["offers"]]
        if story.get("accept") and made:
            acceptance_svc.accept_offer(
                session, actor=_user(session, story["borrower"]), offer_id=made[0].id or 0
            )
        report.count("loan stories", new=True)


def _seed_pool(
    session: Session, data: dict[str, Any], orgs: dict[str, int], report: SeedReport
) -> None:
    """The bureau's scheme (first version) and the pool's opening contribution."""
    staff = session.exec(select(User).where(User.role == Role.BUREAU)).first()
    if staff is None:
        raise LookupError("the demo needs a bureau user to set up the pool")
    if session.exec(select(SchemeVersion)).first() is None:
        pool.add_scheme_version(
            session,
            actor=staff,
            document=data["scheme"],
            effective_from=business_date(session),
            partners={party: orgs[key] for party, key in data["partners"].items()},
        )
        report.count("scheme versions", new=True)
    else:
        report.count("scheme versions", new=False)
    if session.exec(select(LedgerEntry)).first() is None:
        pool.contribute(
            session, actor=staff, amount=int(data["contribution"]), memo=data["contribution_memo"]
        )
        report.count("pool contributions", new=True)


def _ensure_admin(session: Session, row: dict[str, Any], password: str, report: SeedReport) -> User:
    """The bureau and its administrator come first: every other seed is made by them."""
    user = session.exec(select(User).where(User.email == row["email"])).first()
    if user is not None:
        report.count("users", new=False)
        return user
    with transaction(session):
        org = session.exec(select(Organisation).where(Organisation.uscc == row["org_uscc"])).first()
        if org is None:
            org = Organisation(
                kind=OrgKind.BUREAU,
                name=row["org_name"],
                uscc=row["org_uscc"],
                region=row.get("region", ""),
            )
            session.add(org)
            session.flush()
            audit.record(
                session, actor=None, action="organisation.seed", obj=org, after=audit.snapshot(org)
            )
            report.count("organisations", new=True)
        user = accounts.new_user(
            org,
            accounts.UserInput(
                email=row["email"], name=row["name"], password=password, role=Role.ADMIN
            ),
        )
        session.add(user)
        audit.record(
            session,
            actor=None,
            action="user.seed",
            obj=user,
            after=audit.snapshot(user),
            organisation_id=org.id,
        )
    report.count("users", new=True)
    return user


def _seed_orgs(
    session: Session, admin: User, rows: list[dict[str, Any]], report: SeedReport
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for row in rows:
        org = session.exec(select(Organisation).where(Organisation.uscc == row["uscc"])).first()
        if org is None:
            org = accounts.create_organisation(
                session,
                actor=admin,
                data=accounts.OrganisationInput(
                    kind=OrgKind(row["kind"]),
                    name=row["name"],
                    uscc=row["uscc"],
                    industry=row.get("industry"),
                    size=CompanySize(row["size"]) if row.get("size") else None,
                    region=row.get("region", ""),
                    high_tech=bool(row.get("high_tech", False)),
                    contact_name=row.get("contact_name", ""),
                    contact_phone=row.get("contact_phone", ""),
                    contact_email=row.get("contact_email", ""),
                ),
            )
            report.count("organisations", new=True)
        else:
            report.count("organisations", new=False)
        assert org.id is not None
        ids[row["key"]] = org.id
    return ids


def _seed_asset(
    session: Session, row: dict[str, Any], orgs: dict[str, int], report: SeedReport
) -> None:
    kind = AssetKind(row["kind"])
    number = assets.normalise_registry_number(kind, row["registry_number"])
    live = session.exec(
        select(IPAsset).where(
            IPAsset.registry_number == number, IPAsset.status == AssetStatus.ACTIVE
        )
    ).first()
    if live is not None:
        report.count("assets", new=False)
        return
    owner = session.exec(
        select(User).where(User.organisation_id == orgs[row["owner"]], User.role == Role.SME)
    ).first()
    if owner is None:
        raise LookupError(f"seed asset {number}: owner {row['owner']} has no SME user")
    data = assets.AssetInput(
        kind=kind,
        registry_number=number,
        title=row["title"],
        holder_name=row.get("holder_name", ""),
        industry=Industry(row["industry"]),
        legal_status=LegalStatus(row["legal_status"]),
        filing_date=date.fromisoformat(row["filing_date"]),
        grant_date=date.fromisoformat(row["grant_date"]) if row.get("grant_date") else None,
        annual_revenue=row.get("annual_revenue"),
        development_cost=row.get("development_cost"),
        revenue_growth_bp=row.get("revenue_growth_bp"),
        facts=row.get("facts", {}),
    )
    try:
        assets.create_asset(session, actor=owner, data=data)
    except ValidationFailed as exc:
        raise ValidationFailed(
            f"Seed asset {number} ({row['title']}) is invalid: {exc.errors}", errors=exc.errors
        ) from exc
    report.count("assets", new=True)


def demo_logins(folder: Path = DEMO_DIR) -> list[tuple[str, str, str]]:
    """(role, e-mail, password) of the demo users, to print at start-up."""
    meta = _read("users.json", folder)
    rows = [("admin", meta["admin"]["email"], meta["password"])]
    rows += [(u["role"], u["email"], meta["password"]) for u in meta["users"]]
    return rows
