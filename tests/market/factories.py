"""Factories for test data: valid identifiers, fast password hashes, sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlmodel import Session
from werkzeug.security import generate_password_hash

from market.domain.identifiers import org_code_check_char, patent_check_char, uscc_check_char
from market.domain.kinds import AssetKind, CompanySize, Industry, LegalStatus, OrgKind, Role
from market.models.assets import IPAsset
from market.models.orgs import Organisation, User
from market.services.assets import AssetInput

PASSWORD = "correct-horse-42"
# A cheap hash for tests; the service uses scrypt for real accounts.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1000)


def uscc(n: int | None = None) -> str:
    """A valid unified social credit code, different for each n."""
    n = next(_seq) if n is None else n
    body = f"MA{n:06d}"
    first17 = "91442000" + body + org_code_check_char(body)
    if first17[-1] not in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        return uscc(n + 100_000)
    return first17 + uscc_check_char(first17)


def patent_number(kind: AssetKind = AssetKind.INVENTION_PATENT, year: int = 2019) -> str:
    """A valid CN application number of the kind's type digit."""
    type_digit = {
        AssetKind.INVENTION_PATENT: "1",
        AssetKind.UTILITY_MODEL: "2",
        AssetKind.DESIGN_PATENT: "3",
    }[kind]
    digits = f"{year}{type_digit}{next(_seq):07d}"
    return f"CN{digits}.{patent_check_char(digits)}"


def trademark_number() -> str:
    """A fresh trademark registration number."""
    return str(30_000_000 + next(_seq))


def make_org(session: Session, kind: OrgKind = OrgKind.SME, **kw: Any) -> Organisation:
    """An organisation row."""
    n = next(_seq)
    values: dict[str, Any] = {
        "kind": kind,
        "name": f"{kind.value.title()} {n} Co.",
        "uscc": uscc(n),
        "region": "GD-Zhongshan",
    }
    if kind is OrgKind.SME:
        values.update(industry="electronics", size=CompanySize.SMALL)
    values.update(kw)
    org = Organisation(**values)
    session.add(org)
    session.commit()
    return org


def make_user(session: Session, org: Organisation, role: Role | None = None, **kw: Any) -> User:
    """A user of `org` whose password is PASSWORD."""
    role = (
        role
        or {
            OrgKind.SME: Role.SME,
            OrgKind.BANK: Role.BANK_OFFICER,
            OrgKind.INSURER: Role.INSURER,
            OrgKind.GUARANTOR: Role.GUARANTOR,
            OrgKind.VALUER: Role.VALUER,
            OrgKind.BUREAU: Role.BUREAU,
        }[org.kind]
    )
    n = next(_seq)
    assert org.id is not None
    user = User(
        organisation_id=org.id,
        email=f"user{n}@ipmarket-test.cn",
        name=f"User {n}",
        password_hash=PASSWORD_HASH,
        role=role,
        **kw,
    )
    session.add(user)
    session.commit()
    return user


def asset_input(kind: AssetKind = AssetKind.INVENTION_PATENT, **kw: Any) -> AssetInput:
    """Valid service input for an asset of `kind`; keyword arguments override."""
    facts: dict[str, Any]
    if kind.is_patent:
        number = patent_number(kind)
        facts = {
            "claims": 10,
            "family_size": 2,
            "countries": 1,
            "forward_citations": 5,
            "maturity": "mass_production",
        }
    elif kind is AssetKind.TRADEMARK:
        number = trademark_number()
        facts = {"nice_classes": [9, 35], "continuous_use": True, "renewals": 0}
    else:
        number = trademark_number()
        facts = {
            "gi_type": "collective",
            "nice_classes": [30],
            "regional_output_value": 50_000_000_00,
            "authorised_users": 120,
            "quality_standard": "provincial",
            "holder_fee_income": 300_000_00,
        }
    values: dict[str, Any] = {
        "kind": kind,
        "registry_number": number,
        "title": f"Test {kind.value}",
        "industry": Industry.ELECTRONICS,
        "legal_status": LegalStatus.VALID,
        "filing_date": date(2019, 3, 1),
        "grant_date": date(2020, 6, 1),
        "annual_revenue": 5_000_000_00,
        "facts": facts,
    }
    values.update(kw)
    return AssetInput(**values)


def make_asset(
    session: Session, owner: User, kind: AssetKind = AssetKind.INVENTION_PATENT, **kw: Any
) -> IPAsset:
    """An asset listed through the service (so it is valid and audited)."""
    from market.services.assets import create_asset

    return create_asset(session, actor=owner, data=asset_input(kind, **kw))
