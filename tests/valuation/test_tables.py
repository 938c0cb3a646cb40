"""Data tables: versioned, complete, inside published practice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

import valuation as v
from valuation import tables as tables_module
from valuation.indicators import INDICATORS
from valuation.tables import DATA_FILES, load_tables
from valuation.version import CODE_VERSION, DATA_VERSION
from valuation.vocab import INDUSTRIES, KINDS


def test_model_version_combines_code_and_data_versions() -> None:
    assert v.MODEL_VERSION.startswith(f"{CODE_VERSION}+data.{DATA_VERSION}.")
    assert load_tables().version == DATA_VERSION


def test_data_files_ship_inside_the_package_with_one_version() -> None:
    folder = resources.files("valuation").joinpath("data")
    for name in DATA_FILES:
        doc = json.loads(folder.joinpath(name).read_text())
        assert doc["version"] == DATA_VERSION, name


def test_weights_sum_to_100_and_every_indicator_is_implemented() -> None:
    t = load_tables()
    for kind in KINDS:
        assert sum(s.max_points for s in t.indicators[kind]) == 100
        assert {s.code for s in t.indicators[kind]} <= set(INDICATORS)
        assert {s.group for s in t.indicators[kind]} <= {"legal", "technical", "economic", "market"}


def test_pledge_caps_are_the_published_ones_and_name_their_source() -> None:
    # DOMAIN.md "From valuation to loan": Bank of Communications invention <= 25%, utility
    # models <= 15%, trademarks <= 50%; GI cases 30-40%. Design patents: no published cap, the
    # utility-model cap by inference.
    loan = load_tables().loan
    caps, floors = loan["pledge_cap_bp"], loan["pledge_floor_bp"]
    assert caps == {
        "invention_patent": 2500,
        "utility_model": 1500,
        "design_patent": 1500,
        "trademark": 5000,
        "gi_mark": 4000,
    }
    assert floors["gi_mark"] == 3000
    assert all(floors[k] == 0 for k in KINDS if k != "gi_mark")
    for kind in ("invention_patent", "utility_model", "trademark"):
        assert "Bank of Communications" in loan["cap_source"][kind]
    assert "inference" in loan["cap_source"]["design_patent"]


def test_tax_rates_cite_the_enterprise_income_tax_law() -> None:
    tax = load_tables().income["tax"]
    assert (tax["standard_bp"], tax["high_tech_bp"]) == (2500, 1500)
    assert "Art. 4" in tax["source"] and "Art. 28" in tax["source"]


def test_royalty_rates_stay_within_published_ranges() -> None:
    rates = load_tables().income["royalty_rates"]
    assert set(rates) == set(INDUSTRIES)
    for row in rates.values():
        assert 0.02 <= row["technology"] <= 0.10
        assert 0.01 <= row["brand"] <= 0.05
        assert 0.01 <= row["gi"] <= 0.02  # low end of the brand range (inference)
    source = load_tables().income["royalty_source"]
    assert "Parr" in source and "67%" in source


def test_comparables_are_declared_fictional_and_illustrative() -> None:
    t = load_tables()
    assert {c.kind for c in t.comparables} == set(KINDS)
    assert all(c.note.startswith("fictional") for c in t.comparables)
    assert all(c.illustrative and c.source is None for c in t.comparables)


def test_loader_refuses_a_real_comparable_without_a_source(
    monkeypatch: pytest.MonkeyPatch, fresh_tables: None
) -> None:
    real_read = tables_module._read

    def unsourced(name: str) -> tuple[bytes, dict[str, Any]]:
        raw, doc = real_read(name)
        if name == "comparables.json":
            doc = json.loads(raw)
            doc["comparables"][0]["illustrative"] = False
        return raw, doc

    monkeypatch.setattr(tables_module, "_read", unsourced)
    with pytest.raises(RuntimeError, match="no source"):
        load_tables()


@pytest.fixture
def fresh_tables() -> Iterator[None]:
    load_tables.cache_clear()
    yield
    load_tables.cache_clear()


def test_loader_refuses_data_files_of_different_versions(
    monkeypatch: pytest.MonkeyPatch, fresh_tables: None
) -> None:
    real_read = tables_module._read

    def stale_loan(name: str) -> tuple[bytes, dict[str, Any]]:
        raw, doc = real_read(name)
        if name == "loan.json":
            doc = {**doc, "version": "1999.1"}
        return raw, doc

    monkeypatch.setattr(tables_module, "_read", stale_loan)
    with pytest.raises(RuntimeError, match="version"):
        load_tables()


def test_loader_refuses_weights_that_do_not_sum_to_100(
    monkeypatch: pytest.MonkeyPatch, fresh_tables: None
) -> None:
    real_read = tables_module._read

    def heavier(name: str) -> tuple[bytes, dict[str, Any]]:
        raw, doc = real_read(name)
        if name == "scoring.json":
            doc = json.loads(raw)
            doc["indicators"]["trademark"][0]["max_points"] += 1
        return raw, doc

    monkeypatch.setattr(tables_module, "_read", heavier)
    with pytest.raises(RuntimeError, match="trademark"):
        load_tables()
