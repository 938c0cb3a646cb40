"""The score and grade: batch scoring equals one-by-one scoring; monotone; bad columns."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import valuation as v
from valuation.vocab import INDUSTRIES, KINDS, LEGAL_STATUSES

from .factories import AS_OF, invention, random_facts, trademark, valued_invention


@pytest.mark.parametrize("kind", KINDS)
def test_score_many_equals_value_asset_one_by_one(kind: str) -> None:
    rng = random.Random(f"batch-{kind}")
    facts = [random_facts(kind, rng) for _ in range(300)]
    scores = v.score_many(kind, v.columns_from_facts(facts), as_of=AS_OF)
    one_by_one = [v.value_asset(f, as_of=AS_OF) for f in facts]
    assert scores.tolist() == [r.score for r in one_by_one]
    assert v.grades_of(scores).tolist() == [r.grade for r in one_by_one]


def test_scores_lie_in_0_to_100_with_one_decimal() -> None:
    rng = random.Random(3)
    for kind in KINDS:
        scores = v.score_many(
            kind, v.columns_from_facts([random_facts(kind, rng) for _ in range(200)]), as_of=AS_OF
        )
        assert ((scores >= 0) & (scores <= 100)).all()
        assert np.array_equal(np.round(scores, 1), scores)


def test_breakdown_points_add_up_to_the_score() -> None:
    result = v.value_asset(invention(), as_of=AS_OF)
    assert sum(i.points for i in result.breakdown) == pytest.approx(result.score, abs=0.06)
    assert sum(i.max_points for i in result.breakdown) == 100
    assert sum(g.points for g in result.groups) == pytest.approx(result.score, abs=0.06)
    assert [g.group for g in result.groups] == ["legal", "technical", "economic", "market"]


def test_trademark_and_gi_breakdowns_use_their_own_indicators() -> None:
    codes = {i.code for i in v.value_asset(trademark(), as_of=AS_OF).breakdown}
    assert {
        "well_known",
        "continuous_use",
        "renewals",
        "oppositions",
        "nice_classes",
        "international_registrations",
        "mark_age",
        "revenue",
    } <= codes
    assert "claims" not in codes and "remaining_term" not in codes


def test_grades_follow_the_published_floors() -> None:
    grades = v.grades_of([100, 85, 84.9, 75, 65, 55, 45, 35, 25, 15, 14.9, 0])
    assert grades.tolist() == [
        "AAA",
        "AAA",
        "AA",
        "AA",
        "A",
        "BBB",
        "BB",
        "B",
        "CCC",
        "CC",
        "C",
        "C",
    ]
    assert v.grade_of(70.2) == "A"


@settings(max_examples=60, deadline=None)
@given(facts=valued_invention(), extra=st.integers(1, 10**10))
def test_more_revenue_never_lowers_the_score(facts: v.InventionPatentFacts, extra: int) -> None:
    base = v.score_many("invention_patent", v.columns_from_facts([facts]), as_of=AS_OF)[0]
    assert facts.annual_revenue is not None
    richer = replace(facts, annual_revenue=facts.annual_revenue + extra)
    assert v.score_many("invention_patent", v.columns_from_facts([richer]), as_of=AS_OF)[0] >= base


@settings(max_examples=60, deadline=None)
@given(facts=valued_invention(), extra=st.integers(1, 200))
def test_more_citations_never_lower_the_score(facts: v.InventionPatentFacts, extra: int) -> None:
    base = v.value_asset(facts, as_of=AS_OF).score
    cited = replace(facts, forward_citations=facts.forward_citations + extra)
    assert v.value_asset(cited, as_of=AS_OF).score >= base


def test_citations_are_normalised_by_field() -> None:
    # 10 citations are many for textiles (0.2/year expected) but few for software (0.9/year)
    textiles = v.value_asset(invention(industry="textiles", forward_citations=10), as_of=AS_OF)
    software = v.value_asset(invention(industry="software", forward_citations=10), as_of=AS_OF)
    assert _points(textiles, "forward_citations") > _points(software, "forward_citations")


def test_string_and_code_columns_give_the_same_scores() -> None:
    rng = random.Random(11)
    facts = [random_facts("invention_patent", rng) for _ in range(100)]
    columns = v.columns_from_facts(facts)
    as_codes = dict(columns)
    as_codes["industry"] = np.array([INDUSTRIES.index(f.industry) for f in facts])
    as_codes["legal_status"] = np.array([LEGAL_STATUSES.index(f.legal_status) for f in facts])
    as_strings = dict(columns)
    as_strings["industry"] = np.array([f.industry for f in facts])  # numpy str dtype
    expected = v.score_many("invention_patent", columns, as_of=AS_OF)
    assert np.array_equal(v.score_many("invention_patent", as_codes, as_of=AS_OF), expected)
    assert np.array_equal(v.score_many("invention_patent", as_strings, as_of=AS_OF), expected)


def test_omitted_optional_columns_mean_missing_or_default() -> None:
    minimal = {
        "industry": np.array(["pharma", "food"]),
        "legal_status": np.array(["valid", "pending"]),
        "filing_date": np.array(["2015-01-01", "2024-01-01"], dtype="datetime64[D]"),
    }
    facts = [
        v.InventionPatentFacts(
            industry="pharma",
            legal_status="valid",
            filing_date=AS_OF.replace(year=2015, month=1, day=1),
        ),
        v.InventionPatentFacts(
            industry="food",
            legal_status="pending",
            filing_date=AS_OF.replace(year=2024, month=1, day=1),
        ),
    ]
    assert np.array_equal(
        v.score_many("invention_patent", minimal, as_of=AS_OF),
        [v.value_asset(f, as_of=AS_OF).score for f in facts],
    )


def _columns(n: int = 3) -> dict[str, np.ndarray]:
    return {
        "industry": np.array(["software"] * n),
        "legal_status": np.array(["valid"] * n),
        "filing_date": np.array(["2019-01-01"] * n, dtype="datetime64[D]"),
        "annual_revenue": np.array([10**8] * n),
    }


@pytest.mark.parametrize(
    ("change", "field", "row"),
    [
        ({"industry": np.array(["software", "shipbuilding", "food"])}, "industry", 1),
        ({"annual_revenue": np.array([10**8, 10**8, -1])}, "annual_revenue", 2),
        ({"annual_revenue": np.array([1.0, 2.0, 3.0])}, "annual_revenue", None),  # float fen
        ({"revenue_growth": np.array([0.1, np.nan, 0.1])}, "revenue_growth", 1),
        ({"revenue_growth": np.array([np.inf, 0.1, 0.1])}, "revenue_growth", 0),
        (
            {"expiry_date": np.array(["2030-01-01", "2018-01-01", "NaT"], dtype="datetime64[D]")},
            "expiry_date",
            1,
        ),
        (
            {"grant_date": np.array(["2018-12-31", "NaT", "NaT"], dtype="datetime64[D]")},
            "grant_date",
            0,
        ),
        ({"claims": np.array([3, 4])}, "claims", None),  # wrong length
        ({"colour": np.array([1, 2, 3])}, "colour", None),
    ],
)
def test_bad_columns_raise_facts_error_naming_field_and_row(
    change: dict[str, np.ndarray], field: str, row: int | None
) -> None:
    with pytest.raises(v.FactsError) as caught:
        v.score_many("invention_patent", {**_columns(), **change}, as_of=AS_OF)
    assert caught.value.field == field
    assert caught.value.row == row


def test_missing_required_column_and_unknown_kind_are_facts_errors() -> None:
    columns = _columns()
    del columns["filing_date"]
    with pytest.raises(v.FactsError) as caught:
        v.score_many("invention_patent", columns, as_of=AS_OF)
    assert caught.value.field == "filing_date"
    with pytest.raises(v.FactsError) as caught:
        v.score_many("copyright", _columns(), as_of=AS_OF)
    assert caught.value.field == "kind"


def test_trademark_batch_takes_a_class_count_column() -> None:
    tm = trademark(nice_classes=(3, 5))
    columns = v.columns_from_facts([tm])
    assert columns["nice_class_count"].tolist() == [2]
    columns["nice_class_count"] = np.array([46])
    with pytest.raises(v.FactsError) as caught:
        v.score_many("trademark", columns, as_of=AS_OF)
    assert caught.value.field == "nice_class_count"


def test_remaining_term_uses_the_valuation_date() -> None:
    early = v.value_asset(invention(), as_of=AS_OF)
    later = v.value_asset(invention(), as_of=AS_OF + timedelta(days=365 * 5))
    assert _points(early, "remaining_term") > _points(later, "remaining_term")


def _points(result: v.Valuation, code: str) -> float:
    return next(i.points for i in result.breakdown if i.code == code)
