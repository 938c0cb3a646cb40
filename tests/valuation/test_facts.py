"""Facts records: validation, FactsError naming the field, JSON round trip."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings

import valuation as v

from .factories import AS_OF, any_facts, gi_mark, invention, trademark


@settings(max_examples=150)
@given(facts=any_facts())
def test_facts_round_trip_through_json(facts: v.Facts) -> None:
    stored = json.loads(json.dumps(facts.to_dict()))
    assert v.facts_from_dict(stored) == facts


def test_to_dict_names_the_kind_and_uses_iso_dates_and_lists() -> None:
    d = trademark().to_dict()
    assert d["kind"] == "trademark"
    assert d["filing_date"] == "2010-01-10"
    assert d["nice_classes"] == [3, 21, 35]
    assert d["expiry_date"] is None


def test_nice_classes_are_stored_sorted_and_unique() -> None:
    assert trademark(nice_classes=[35, 3, 35]).nice_classes == (3, 35)


def test_optional_facts_may_be_left_out() -> None:
    facts = v.facts_from_dict(
        {
            "kind": "invention_patent",
            "industry": "pharma",
            "legal_status": "pending",
            "filing_date": "2024-01-02",
        }
    )
    assert isinstance(facts, v.InventionPatentFacts)
    assert facts.claims is None and facts.family_size == 1 and facts.licences == 0


def test_every_kind_has_its_facts_class() -> None:
    assert {
        k: v.facts_class(k).__name__
        for k in ("invention_patent", "utility_model", "design_patent", "trademark", "gi_mark")
    } == {
        "invention_patent": "InventionPatentFacts",
        "utility_model": "UtilityModelFacts",
        "design_patent": "DesignPatentFacts",
        "trademark": "TrademarkFacts",
        "gi_mark": "GIMarkFacts",
    }


BAD_FACTS: list[tuple[str, Any]] = [
    ("annual_revenue", lambda: invention(annual_revenue=-1)),
    ("development_cost", lambda: invention(development_cost=-100)),
    ("annual_revenue", lambda: invention(annual_revenue=1.5e8)),  # float money
    ("expiry_date", lambda: invention(expiry_date=date(2017, 1, 1))),
    ("expiry_date", lambda: invention(grant_date=date(2020, 5, 1), expiry_date=date(2019, 1, 1))),
    ("grant_date", lambda: invention(grant_date=date(2018, 2, 28))),
    ("grant_date", lambda: invention(legal_status="pending")),  # pending yet granted
    ("industry", lambda: invention(industry="shipbuilding")),
    ("legal_status", lambda: invention(legal_status="alive")),
    ("maturity", lambda: invention(maturity="beta")),
    ("revenue_growth", lambda: invention(revenue_growth=math.nan)),
    ("revenue_growth", lambda: invention(revenue_growth=math.inf)),
    ("revenue_growth", lambda: invention(revenue_growth=-0.9)),
    ("claims", lambda: invention(claims=0)),
    ("independent_claims", lambda: invention(claims=3, independent_claims=4)),
    ("family_size", lambda: invention(family_size=0)),
    ("forward_citations", lambda: invention(forward_citations=-1)),
    ("licences", lambda: invention(licences=True)),  # bool is not a count
    ("filing_date", lambda: invention(filing_date=datetime(2018, 3, 1, 12, 0))),
    ("filing_date", lambda: invention(filing_date="2018-03-01")),
    ("nice_classes", lambda: trademark(nice_classes=(0, 3))),
    ("nice_classes", lambda: trademark(nice_classes=(46,))),
    ("nice_classes", lambda: trademark(nice_classes=())),
    ("nice_classes", lambda: gi_mark(nice_classes=(29, 99))),
    ("regional_output_value", lambda: gi_mark(regional_output_value=-5)),
    ("gi_type", lambda: gi_mark(gi_type="sui_generis")),
    ("quality_standard", lambda: gi_mark(quality_standard="iso")),
    ("oppositions_lost", lambda: trademark(oppositions_lost=-1)),
]


@pytest.mark.parametrize(("field", "build"), BAD_FACTS)
def test_bad_facts_raise_facts_error_naming_the_field(field: str, build: Any) -> None:
    with pytest.raises(v.FactsError) as caught:
        build()
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "copyright"}, "kind"),
        ({}, "kind"),
        (
            {
                "kind": "trademark",
                "industry": "food",
                "legal_status": "valid",
                "filing_date": "2020-01-01",
            },
            "nice_classes",
        ),  # required fact missing
        (
            {
                "kind": "trademark",
                "industry": "food",
                "legal_status": "valid",
                "filing_date": "2020-01-01",
                "nice_classes": [29],
                "claims": 3,
            },
            "claims",
        ),
        (
            {
                "kind": "gi_mark",
                "industry": "food",
                "legal_status": "valid",
                "gi_type": "collective",
                "regional_output_value": 10**9,
                "filing_date": "2020-13-01",
            },
            "filing_date",
        ),
    ],
)
def test_bad_dicts_raise_facts_error_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(v.FactsError) as caught:
        v.facts_from_dict(data)
    assert caught.value.field == field


def test_filing_after_the_valuation_date_is_rejected() -> None:
    facts = invention(filing_date=date(2025, 7, 1), grant_date=None)
    with pytest.raises(v.FactsError) as caught:
        v.value_asset(facts, as_of=AS_OF)
    assert caught.value.field == "filing_date"


def test_facts_are_frozen() -> None:
    facts = invention()
    with pytest.raises(AttributeError):
        facts.claims = 3  # type: ignore[misc]
