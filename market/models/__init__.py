"""Domain models, one module per domain; importing this package registers every table."""

from market.models.assets import (
    PATENT_KINDS,
    AssetKind,
    AssetStatus,
    Industry,
    IPAsset,
    LegalStatus,
)
from market.models.audit import AuditEvent
from market.models.orgs import ROLES_BY_ORG_KIND, CompanySize, Organisation, OrgKind, Role, User
from market.models.settings import Setting
from market.models.valuations import AssetValuation

__all__ = [
    "PATENT_KINDS",
    "ROLES_BY_ORG_KIND",
    "AssetKind",
    "AssetStatus",
    "AssetValuation",
    "AuditEvent",
    "CompanySize",
    "IPAsset",
    "Industry",
    "LegalStatus",
    "OrgKind",
    "Organisation",
    "Role",
    "Setting",
    "User",
]
