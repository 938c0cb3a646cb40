"""Valuation of IP assets for pledge financing: facts in, score, value range and loan terms out.

Pure library: plain values and numpy arrays in, frozen dataclasses out; money is int fen.

    facts = facts_from_dict({"kind": "invention_patent", "industry": "electronics",
                             "legal_status": "valid", "filing_date": "2018-03-01",
                             "annual_revenue": 5_000_000_000, "claims": 15})
    v = value_asset(facts, as_of=date(2025, 6, 1), tax_rate_bp=1500)  # high-tech: 15% tax
    # v.score, v.value_p50, v.max_loan (= pledge rate x P50), v.pledgeable, v.loan_note ...
    same = reproduce(v.inputs)                       # == v
    scores = score_many("invention_patent", columns_from_facts([facts]), as_of=date(2025, 6, 1))
"""

from valuation.appraisal import reproduce, value_asset
from valuation.batch import columns_from_facts
from valuation.comparables import MarketEstimate
from valuation.errors import FactsError, ModelVersionError
from valuation.facts import (
    AssetFacts,
    DesignPatentFacts,
    Facts,
    GIMarkFacts,
    InventionPatentFacts,
    PatentFacts,
    TrademarkFacts,
    UtilityModelFacts,
    facts_class,
    facts_from_dict,
    facts_from_inputs,
)
from valuation.income import IncomeAssumptions
from valuation.notes import Note
from valuation.result import GroupScore, IndicatorResult, Valuation
from valuation.scoring import grade_of, grades_of, score_many
from valuation.tables import Comparable
from valuation.version import MODEL_VERSION

__all__ = [
    "MODEL_VERSION",
    "AssetFacts",
    "Comparable",
    "DesignPatentFacts",
    "Facts",
    "FactsError",
    "GIMarkFacts",
    "GroupScore",
    "IncomeAssumptions",
    "IndicatorResult",
    "InventionPatentFacts",
    "MarketEstimate",
    "ModelVersionError",
    "Note",
    "PatentFacts",
    "TrademarkFacts",
    "UtilityModelFacts",
    "Valuation",
    "columns_from_facts",
    "facts_class",
    "facts_from_dict",
    "facts_from_inputs",
    "grade_of",
    "grades_of",
    "reproduce",
    "score_many",
    "value_asset",
]
