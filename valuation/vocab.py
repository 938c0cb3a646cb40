"""The closed vocabularies facts are drawn from (kinds, industries, statuses...)."""

from __future__ import annotations

from typing import Final

KINDS: Final = ("invention_patent", "utility_model", "design_patent", "trademark", "gi_mark")
PATENT_KINDS: Final = ("invention_patent", "utility_model", "design_patent")
MARK_KINDS: Final = ("trademark", "gi_mark")

INDUSTRIES: Final = (
    "electronics",
    "software",
    "machinery",
    "chemicals",
    "pharma",
    "medical_devices",
    "new_energy",
    "materials",
    "textiles",
    "food",
    "agriculture",
    "consumer_goods",
)
LEGAL_STATUSES: Final = ("pending", "valid", "lapsed", "invalidated", "expired")
# Statuses under which the owner still holds (or may still obtain) the right.
LIVE_STATUSES: Final = ("pending", "valid")
MATURITIES: Final = ("concept", "prototype", "pilot", "mass_production")
QUALITY_STANDARDS: Final = ("none", "local", "provincial", "national")
GI_TYPES: Final = ("collective", "certification")
GRADES: Final = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")

# Royalty and economic-life tables are keyed by these income families.
INCOME_FAMILY: Final = {
    "invention_patent": "technology",
    "utility_model": "technology",
    "design_patent": "technology",
    "trademark": "brand",
    "gi_mark": "gi",
}
ASSET_NOUN: Final = {
    "invention_patent": "patent",
    "utility_model": "utility model",
    "design_patent": "design patent",
    "trademark": "trademark",
    "gi_mark": "GI mark",
}
