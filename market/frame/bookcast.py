"""The cast of a generated book: banks, partners, SMEs and their users, the scheme version,
and template assets valued once by the valuation library (each generated asset copies one
template's facts, so its stored valuation is exactly what the model gives for them)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

import valuation
from market.domain.identifiers import org_code_check_char, patent_check_char, uscc_check_char
from market.domain.kinds import AssetKind, CompanySize, Industry, LegalStatus, OrgKind, Role
from market.frame.bookwriter import BulkWriter, table_of
from market.frame.config import ROOT
from market.models.assets import IPAsset
from market.models.orgs import Organisation, User
from market.models.pool import SchemeVersion
from market.models.settings import Setting
from market.services.accounts import hash_password
from market.services.appraisal import facts_for
from market.services.clock import KEY as BUSINESS_DATE_KEY

REGIONS = (
    "GD-Zhongshan", "GD-Guangzhou", "GD-Shenzhen", "FJ-Quanzhou", "FJ-Xiamen", "JS-Xuzhou",
    "JS-Suzhou", "SD-Jining", "SD-Qingdao", "LN-Shenyang", "LN-Dalian", "ZJ-Hangzhou",
)
BANKS = (
    "Pearl River Commercial Bank", "Minjiang Rural Commercial Bank", "Huaihai City Bank",
    "Lingnan Merchants Bank", "Qilu Industrial Bank", "Liaohai Rural Bank", "Jiangnan Trust Bank",
    "Xiamen Strait Bank", "Suzhou Canal Bank", "Qiantang Commercial Bank", "Bohai Harbour Bank",
    "Taishan Rural Commercial Bank",
)
NAME_HEADS = (
    "Haixin", "Huaxin", "Ruifeng", "Jinlong", "Tianyu", "Mingda", "Xinghe", "Baoli", "Kaiyuan",
    "Zhongke", "Hengtai", "Longsheng", "Yuanhang", "Shengshi", "Dingxin", "Hongyun", "Lianfa",
    "Anke", "Boya", "Chuangxin",
)
NAME_TRADES = {
    Industry.ELECTRONICS: "Optoelectronics", Industry.SOFTWARE: "Software",
    Industry.MACHINERY: "Machinery", Industry.CHEMICALS: "Fine Chemicals",
    Industry.PHARMA: "Pharmaceutical", Industry.MEDICAL_DEVICES: "Medical Instruments",
    Industry.NEW_ENERGY: "New Energy", Industry.MATERIALS: "Advanced Materials",
    Industry.TEXTILES: "Textiles", Industry.FOOD: "Foods", Industry.AGRICULTURE: "Agri-Products",
    Industry.CONSUMER_GOODS: "Home Appliances",
}
REGION_CODES = ("91442000", "91350500", "91320300", "91370800", "91210100", "91330100")


def uscc_for(n: int) -> str:
    """A valid unified social credit code, different for each n (n < 1,000,000)."""
    for region in REGION_CODES:
        body = f"MA{n:06d}"
        first17 = region + body + org_code_check_char(body)
        if first17[-1] in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            return first17 + uscc_check_char(first17)
    raise ValueError(f"no valid code for {n}")


def registry_number(kind: AssetKind, asset_id: int, year: int) -> str:
    """A registry number of the kind, unique by asset id."""
    if kind.is_patent:
        type_digit = {"invention_patent": "1", "utility_model": "2", "design_patent": "3"}
        digits = f"{year}{type_digit[kind.value]}{asset_id % 10_000_000:07d}"
        return f"CN{digits}.{patent_check_char(digits)}"
    return str(40_000_000 + asset_id)


def noon(day: date) -> datetime:
    """A timestamp on the day (UTC)."""
    from datetime import UTC

    return datetime.combine(day, time(12), tzinfo=UTC)


@dataclass
class Template:
    """A demo asset and what the model says of it."""

    row: dict[str, Any]
    kind: AssetKind
    valuation: dict[str, Any]
    max_loan: int


@dataclass
class Cast:
    today: date
    start: date
    bureau_user: int
    banks: list[tuple[int, int, int]] = field(default_factory=list)  # bank, officer, approver
    partners: dict[str, int] = field(default_factory=dict)
    smes: list[tuple[int, int, str, str]] = field(default_factory=list)  # org, user, region, ind.
    scheme_id: int = 0
    scheme_document: dict[str, Any] = field(default_factory=dict)
    templates: list[Template] = field(default_factory=list)


def business_day(session: Session, w: BulkWriter) -> date:
    """The stored business date, or today's date stored as the business date."""
    row = session.get(Setting, BUSINESS_DATE_KEY)
    if row is not None:
        return date.fromisoformat(row.value)
    day = noon(date.today()).date()
    session.add(Setting(key=BUSINESS_DATE_KEY, value=day.isoformat()))
    session.flush()
    return day


def _org(w: BulkWriter, kind: OrgKind, name: str, region: str, **extra: Any) -> int:
    org_id = w.new_id(Organisation)
    w.add(
        Organisation,
        {"id": org_id, "kind": kind, "name": name, "uscc": uscc_for(org_id), "region": region,
         "industry": extra.get("industry"), "size": extra.get("size"), "contact_name": "",
         "contact_phone": "", "contact_email": "", "is_active": True,
         "created_at": extra["at"]},
    )
    return org_id


def _user(w: BulkWriter, org_id: int, role: Role, name: str, pw: str, at: datetime) -> int:
    user_id = w.new_id(User)
    w.add(
        User,
        {"id": user_id, "organisation_id": org_id, "role": role, "name": name,
         "email": f"{role.value.replace('_', '.')}{user_id}@org{org_id}.book.example",
         "password_hash": pw, "is_active": True, "locale": None, "created_at": at,
         "last_login_at": None},
    )
    return user_id


def build_cast(session: Session, w: BulkWriter, rng: random.Random, *, smes: int,
               password: str) -> Cast:
    """Create (or find) the bureau, and create banks, partners, SMEs, users and the scheme."""
    today = business_day(session, w)
    start = date(today.year - 3, today.month, 1)
    at = noon(start)
    pw = hash_password(password)
    users = table_of(User)
    bureau = session.execute(
        sa.select(users.c.id)
        .where(users.c.role.in_([Role.BUREAU, Role.ADMIN]))
        .order_by(users.c.id)
    ).scalar()
    if bureau is None:
        org = _org(w, OrgKind.BUREAU, "Municipal IP Bureau (book)", REGIONS[0], at=at)
        bureau = _user(w, org, Role.BUREAU, "Pool officer", pw, at)
        _user(w, org, Role.ADMIN, "Administrator", pw, at)
    cast = Cast(today=today, start=start, bureau_user=int(bureau))
    for i, name in enumerate(BANKS):
        bank = _org(w, OrgKind.BANK, name, REGIONS[i % len(REGIONS)], at=at)
        officer = _user(w, bank, Role.BANK_OFFICER, "Credit officer", pw, at)
        approver = _user(w, bank, Role.BANK_APPROVER, "Credit approver", pw, at)
        cast.banks.append((bank, officer, approver))
    for kind, role, name in (
        (OrgKind.INSURER, Role.INSURER, "Harbour Guarantee Insurance"),
        (OrgKind.GUARANTOR, Role.GUARANTOR, "Bay Area Financing Guarantee"),
        (OrgKind.VALUER, Role.VALUER, "Lianchuang Asset Appraisal"),
    ):
        org = _org(w, kind, name, REGIONS[0], at=at)
        _user(w, org, role, name, pw, at)
        cast.partners[kind.value] = org
    industries = list(Industry)
    for _ in range(smes):
        industry = rng.choice(industries)
        region = rng.choice(REGIONS)
        name = (f"{region.split('-')[1]} {rng.choice(NAME_HEADS)} {NAME_TRADES[industry]} Co., "
                "Ltd.")
        size = rng.choice((CompanySize.MICRO, CompanySize.SMALL, CompanySize.SMALL,
                           CompanySize.MEDIUM))
        org = _org(w, OrgKind.SME, name, region, industry=industry.value, size=size, at=at)
        user = _user(w, org, Role.SME, "Owner", pw, at)
        cast.smes.append((org, user, region, industry.value))
    _scheme(w, cast, at)
    cast.templates = _templates(start)
    return cast


def _scheme(w: BulkWriter, cast: Cast, at: datetime) -> None:
    data = json.loads((ROOT / "seeds" / "demo" / "scheme.json").read_text(encoding="utf-8"))
    document = dict(data["scheme"])
    document["name"] = f"book-{cast.start.year}"
    cast.scheme_id = w.new_id(SchemeVersion)
    cast.scheme_document = document
    partners = {party: cast.partners[party] for party in data["partners"]}
    w.add(
        SchemeVersion,
        {"id": cast.scheme_id, "name": f"{document['name']}-{cast.scheme_id}", "version": 1,
         "effective_from": cast.start, "document": document, "partners": partners,
         "created_by_id": cast.bureau_user, "created_at": at},
    )


@lru_cache(maxsize=4)
def _templates(as_of: date) -> list[Template]:
    """The demo assets, valued once as of `as_of` (those supporting at least 300,000 CNY)."""
    rows = json.loads((ROOT / "seeds" / "demo" / "assets.json").read_text(encoding="utf-8"))
    found: list[Template] = []
    for row in rows:
        kind = AssetKind(row["kind"])
        asset = IPAsset(
            owner_id=0, kind=kind, registry_number="", title=row["title"],
            industry=Industry(row["industry"]), legal_status=LegalStatus(row["legal_status"]),
            filing_date=date.fromisoformat(row["filing_date"]),
            grant_date=date.fromisoformat(row["grant_date"]) if row.get("grant_date") else None,
            annual_revenue=row.get("annual_revenue"), development_cost=row.get("development_cost"),
            revenue_growth_bp=row.get("revenue_growth_bp"), facts=row.get("facts", {}),
        )
        try:
            result = valuation.value_asset(valuation.facts_from_dict(facts_for(asset)), as_of=as_of)
        except valuation.FactsError:
            continue
        if result.max_loan < 30_000_000:
            continue
        found.append(
            Template(
                row=row, kind=kind, max_loan=result.max_loan,
                valuation={
                    "model_version": result.model_version, "as_of": as_of,
                    "seed": int(result.inputs["seed"]), "score_centi": round(result.score * 100),
                    "grade": result.grade, "value_p10": result.value_p10,
                    "value_p50": result.value_p50, "value_p90": result.value_p90,
                    "liquidation_value": result.liquidation_value,
                    "pledge_rate_bp": result.pledge_rate_bp, "max_loan": result.max_loan,
                    "inputs": result.inputs, "result": result.to_dict(),
                },
            )
        )
    if not found:
        raise RuntimeError("no demo asset supports a loan: cannot build templates")
    return found
