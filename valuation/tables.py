"""Loads the versioned JSON tables under valuation/data/ (weights, rates, caps, comparables)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from valuation.vocab import GRADES, INDUSTRIES, KINDS, LEGAL_STATUSES

DATA_FILES = ("scoring.json", "income.json", "loan.json", "comparables.json", "reasons_en.json")


@dataclass(frozen=True)
class IndicatorSpec:
    """One scored indicator of a kind: its code, group, weight and table parameters."""

    code: str
    group: str
    max_points: float
    params: dict[str, float]


@dataclass(frozen=True)
class Comparable:
    """A comparable transaction from the market-approach table.

    `source` names where a real transaction is recorded; a comparable without one is
    `illustrative` (the shipped ones are fictional) and never drives a value or a loan.
    """

    id: str
    kind: str
    industry: str
    year: int
    price_fen: int
    annual_revenue_fen: int
    score: float
    note: str
    source: str | None = None
    illustrative: bool = True


@dataclass(frozen=True)
class Tables:
    """All data tables, parsed and checked once."""

    version: str
    digest: str
    scoring: dict[str, Any]
    income: dict[str, Any]
    loan: dict[str, Any]
    reasons: dict[str, dict[str, str]]
    labels: dict[str, str]
    loan_notes: dict[str, str]
    pledge_rules: dict[str, str]
    value_notes: dict[str, str]
    indicators: dict[str, tuple[IndicatorSpec, ...]]
    grade_floors: tuple[tuple[float, str], ...]
    comparables: tuple[Comparable, ...]
    comparables_adjustment: dict[str, float]
    design_term_change: date


def _read(name: str) -> tuple[bytes, dict[str, Any]]:
    raw = resources.files("valuation").joinpath("data", name).read_bytes()
    doc: dict[str, Any] = json.loads(raw)
    return raw, doc


def _check(tables: Tables) -> None:
    for kind in KINDS:
        total = sum(s.max_points for s in tables.indicators[kind])
        if abs(total - 100.0) > 1e-9:
            raise RuntimeError(f"indicator weights for {kind} sum to {total}, not 100")
        for spec in tables.indicators[kind]:
            if spec.code not in tables.reasons or spec.code not in tables.labels:
                raise RuntimeError(f"no label or reason templates for indicator {spec.code}")
            if spec.code == "legal_status" and set(spec.params) != set(LEGAL_STATUSES):
                raise RuntimeError(f"legal_status table for {kind} must cover every status")
    for table in ("royalty_rates", "economic_life_years", "default_growth"):
        if set(tables.income[table]) != set(INDUSTRIES):
            raise RuntimeError(f"income table {table} must cover every industry")
    if set(tables.scoring["citation_norms"]["per_year"]) != set(INDUSTRIES):
        raise RuntimeError("citation norms must cover every industry")
    if tuple(g for _, g in tables.grade_floors) != GRADES:
        raise RuntimeError("grade table must list AAA..C in order")
    for c in tables.comparables:
        if not c.illustrative and not (c.source or "").strip():
            raise RuntimeError(f"comparable {c.id} is marked real but names no source")
    loan = tables.loan
    for kind in KINDS:
        if (
            not 0
            <= int(loan["pledge_floor_bp"][kind])
            <= int(loan["pledge_cap_bp"][kind])
            <= 10_000
        ):
            raise RuntimeError(f"pledge floor/cap of {kind} out of order")
        if kind not in tables.pledge_rules or kind not in loan["cap_source"]:
            raise RuntimeError(f"no pledge rule sentence or cap source for {kind}")


@cache
def load_tables() -> Tables:
    """Parse and check every data file; all files must carry the same version string."""
    docs: dict[str, dict[str, Any]] = {}
    digest = hashlib.sha256()
    for name in DATA_FILES:
        raw, doc = _read(name)
        digest.update(raw)
        docs[name] = doc
    versions = {doc["version"] for doc in docs.values()}
    if len(versions) != 1:
        raise RuntimeError(f"data files disagree on version: {sorted(versions)}")
    scoring = docs["scoring.json"]
    indicators = {
        kind: tuple(
            IndicatorSpec(i["code"], i["group"], float(i["max_points"]), dict(i["params"]))
            for i in scoring["indicators"][kind]
        )
        for kind in KINDS
    }
    tables = Tables(
        version=versions.pop(),
        digest=digest.hexdigest()[:8],
        scoring=scoring,
        income=docs["income.json"],
        loan=docs["loan.json"],
        reasons=docs["reasons_en.json"]["templates"],
        labels=docs["reasons_en.json"]["labels"],
        loan_notes=docs["reasons_en.json"]["loan_notes"],
        pledge_rules=docs["reasons_en.json"]["pledge_rules"],
        value_notes=docs["reasons_en.json"]["value_notes"],
        indicators=indicators,
        grade_floors=tuple((float(f), str(g)) for f, g in scoring["grades"]),
        comparables=tuple(Comparable(**c) for c in docs["comparables.json"]["comparables"]),
        comparables_adjustment=docs["comparables.json"]["adjustment"],
        design_term_change=date.fromisoformat(docs["income.json"]["design_term_change"]["date"]),
    )
    _check(tables)
    return tables
