"""Reference lists shown in forms: regions served and labels of enums."""

from __future__ import annotations

from market.domain.kinds import AssetKind, CompanySize, Industry, LegalStatus, OrgKind, Role
from market.domain.messages import _l

REGIONS = (
    ("GD-Zhongshan", _l("Guangdong · Zhongshan")),
    ("GD-Guangzhou", _l("Guangdong · Guangzhou")),
    ("GD-Shenzhen", _l("Guangdong · Shenzhen")),
    ("FJ-Quanzhou", _l("Fujian · Quanzhou")),
    ("JS-Xuzhou", _l("Jiangsu · Xuzhou")),
    ("SD-Jining", _l("Shandong · Jining")),
    ("SD-Qingdao", _l("Shandong · Qingdao")),
    ("SD-Weihai", _l("Shandong · Weihai")),
    ("LN-Shenyang", _l("Liaoning · Shenyang")),
    ("LN-Dalian", _l("Liaoning · Dalian")),
    ("AH-Hefei", _l("Anhui · Hefei")),
    ("OTHER", _l("Other region")),
)

INDUSTRY_LABELS = {
    Industry.ELECTRONICS: _l("Electronics"),
    Industry.SOFTWARE: _l("Software"),
    Industry.MACHINERY: _l("Machinery"),
    Industry.CHEMICALS: _l("Chemicals"),
    Industry.PHARMA: _l("Pharmaceuticals"),
    Industry.MEDICAL_DEVICES: _l("Medical devices"),
    Industry.NEW_ENERGY: _l("New energy"),
    Industry.MATERIALS: _l("New materials"),
    Industry.TEXTILES: _l("Textiles and apparel"),
    Industry.FOOD: _l("Food and beverages"),
    Industry.AGRICULTURE: _l("Agriculture"),
    Industry.CONSUMER_GOODS: _l("Consumer goods"),
}

KIND_LABELS = {
    AssetKind.INVENTION_PATENT: _l("Invention patent"),
    AssetKind.UTILITY_MODEL: _l("Utility model"),
    AssetKind.DESIGN_PATENT: _l("Design patent"),
    AssetKind.TRADEMARK: _l("Trademark"),
    AssetKind.GI_MARK: _l("Geographical-indication mark"),
}

STATUS_LABELS = {
    LegalStatus.PENDING: _l("Pending"),
    LegalStatus.VALID: _l("Valid"),
    LegalStatus.LAPSED: _l("Lapsed"),
    LegalStatus.INVALIDATED: _l("Invalidated"),
    LegalStatus.EXPIRED: _l("Expired"),
}

SIZE_LABELS = {
    CompanySize.MICRO: _l("Micro"),
    CompanySize.SMALL: _l("Small"),
    CompanySize.MEDIUM: _l("Medium"),
    CompanySize.LARGE: _l("Large"),
}

ORG_KIND_LABELS = {
    OrgKind.SME: _l("SME"),
    OrgKind.BANK: _l("Bank"),
    OrgKind.INSURER: _l("Insurer"),
    OrgKind.GUARANTOR: _l("Guarantor"),
    OrgKind.VALUER: _l("Valuation firm"),
    OrgKind.BUREAU: _l("IP bureau"),
}

ROLE_LABELS = {
    Role.SME: _l("SME user"),
    Role.BANK_OFFICER: _l("Bank officer"),
    Role.BANK_APPROVER: _l("Bank approver"),
    Role.INSURER: _l("Insurer"),
    Role.GUARANTOR: _l("Guarantor"),
    Role.VALUER: _l("Valuer"),
    Role.BUREAU: _l("Bureau staff"),
    Role.ADMIN: _l("Administrator"),
}
