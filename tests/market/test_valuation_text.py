"""The valuation report in Chinese: every label, reason template, reason word and loan note of
the valuation library has a zh translation, the zh pages show it, and anything unknown falls
back to the library's English sentence."""

from __future__ import annotations

import ast
import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

import valuation
from market.domain.kinds import AssetKind, LegalStatus
from market.services import valuations as valuation_svc
from market.text.valuation_text import catalog, localise, placeholders
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset
from valuation.vocab import (
    ASSET_NOUN,
    GI_TYPES,
    INDUSTRIES,
    LEGAL_STATUSES,
    MATURITIES,
    QUALITY_STANDARDS,
)

ROOT = Path(__file__).resolve().parents[2]
REASONS_EN = json.loads((ROOT / "valuation" / "data" / "reasons_en.json").read_text("utf-8"))
ZH = catalog("zh")
LATIN = re.compile(r"[A-Za-z]")


def loan_note_codes() -> set[str]:
    """Every loan note code valuation/loan.py passes to `loan_note(...)` (read from its source;
    a code held in a variable, e.g. eligible / eligible_cost, is read from its assignment)."""
    tree = ast.parse((ROOT / "valuation" / "loan.py").read_text("utf-8"))
    codes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "loan_note":
            first = node.args[0]
            if isinstance(first, ast.Constant):
                codes.add(first.value)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "code":
            codes |= {
                c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)
            } & set(REASONS_EN["loan_notes"])
    return codes


# --- (a) completeness ------------------------------------------------------------------------


def test_the_zh_catalog_exists() -> None:
    assert ZH is not None
    assert catalog("en") is None


def test_every_label_is_translated() -> None:
    assert ZH is not None
    assert set(ZH["labels"]) == set(REASONS_EN["labels"])
    assert all(ZH["labels"][code].strip() for code in REASONS_EN["labels"])


@pytest.mark.parametrize(
    ("code", "case"),
    [(code, case) for code, cases in REASONS_EN["templates"].items() for case in cases],
)
def test_every_reason_template_is_translated_with_the_same_placeholders(
    code: str, case: str
) -> None:
    assert ZH is not None
    english = REASONS_EN["templates"][code][case]
    chinese = ZH["templates"].get(code, {}).get(case)
    assert chinese, f"no zh template for {code}/{case}"
    assert placeholders(chinese) == placeholders(english), (code, case)
    assert not LATIN.search(re.sub(r"\{\w+\}", "", chinese)), (code, case)


def test_no_zh_template_without_an_english_one() -> None:
    assert ZH is not None
    assert set(ZH["templates"]) == set(REASONS_EN["templates"])
    for code, cases in ZH["templates"].items():
        assert set(cases) == set(REASONS_EN["templates"][code]), code


def test_every_word_a_reason_can_hold_is_translated() -> None:
    assert ZH is not None
    words = ZH["words"]
    expected = {
        "asset": set(ASSET_NOUN.values()),
        "granted": {"granted", "registered"},
        "industry": set(INDUSTRIES),
        "stage": {m.replace("_", " ") for m in MATURITIES},
        "maturity": set(MATURITIES),
        "quality_standard": set(QUALITY_STANDARDS),
        "gi_type": set(GI_TYPES),
        "legal_status": set(LEGAL_STATUSES),
    }
    for field, values in expected.items():
        assert values <= set(words.get(field, {})), field
        assert all(words[field][v].strip() for v in values), field


def test_every_loan_note_code_is_translated() -> None:
    assert ZH is not None
    codes = loan_note_codes()
    # The codes the library can return are the English templates of reasons_en.json.
    assert codes == set(REASONS_EN["loan_notes"])
    assert {"no_value_evidence", "eligible", "eligible_cost", "score_too_low"} <= codes
    assert codes == set(ZH["loan_notes"])
    for code in codes:
        english = REASONS_EN["loan_notes"][code]
        chinese = ZH["loan_notes"][code]
        assert placeholders(chinese) == placeholders(english), code
        assert not LATIN.search(re.sub(r"\{\w+\}|P50", "", chinese)), code


@pytest.mark.parametrize("section", ["pledge_rules", "value_notes"])
def test_every_pledge_rule_and_value_note_is_translated(section: str) -> None:
    assert ZH is not None
    assert set(ZH[section]) == set(REASONS_EN[section])
    for code, english in REASONS_EN[section].items():
        chinese = ZH[section][code]
        assert placeholders(chinese) == placeholders(english), code
        assert not LATIN.search(re.sub(r"\{\w+\}|P50", "", chinese)), code


def test_the_chinese_eligible_note_applies_the_rate_to_p50() -> None:
    # docs/valuation.md: maximum loan = pledge rate x appraised value P50; the liquidation
    # value (P10 less a discount) no longer enters the loan.
    assert ZH is not None
    note = ZH["loan_notes"]["eligible"]
    assert "P50" in note and "P10" not in note and "清算价值" not in note


# --- localise on library results ---------------------------------------------------------------

AS_OF = date(2025, 1, 1)
BASE = {"legal_status": "valid", "filing_date": "2019-03-01", "grant_date": "2020-06-01"}
CASES: dict[str, dict[str, Any]] = {
    "eligible": {"kind": "invention_patent", "industry": "electronics", "claims": 12,
                 "annual_revenue": 50_000_000_00, "maturity": "pilot", "licences": 2},
    "pending": {"kind": "trademark", "industry": "food", "legal_status": "pending",
                "nice_classes": [29, 30],
                "grant_date": None},
    "not_in_force": {"kind": "design_patent", "industry": "textiles", "legal_status": "expired"},
    "invalidation_pending": {"kind": "utility_model", "industry": "machinery",
                             "invalidation_pending": True},
    "term_too_short": {"kind": "invention_patent", "industry": "pharma",
                       "filing_date": "2006-03-01", "grant_date": "2008-01-01",
                       "forward_citations": 30, "annual_revenue": 9_000_000_00},
    # Grade CCC has a grade factor of 0 (valuation/data/loan.json); the development cost gives
    # it a cost-approach value, so the grade, not the missing revenue, is what refuses it.
    "score_too_low": {"kind": "utility_model", "industry": "consumer_goods",
                      "filing_date": "2024-03-01", "grant_date": "2024-09-01",
                      "development_cost": 300_000_00},
    # A GI mark valued on the fees its holder collects (never on the regional output value).
    "gi": {"kind": "gi_mark", "industry": "agriculture", "gi_type": "certification",
           "nice_classes": [30, 31], "quality_standard": "national", "authorised_users": 40,
           "regional_output_value": 80_000_000_00, "holder_fee_income": 500_000_00},
    "no_value_evidence": {"kind": "gi_mark", "industry": "agriculture",
                          "gi_type": "collective", "nice_classes": [30],
                          "regional_output_value": 80_000_000_00},
    "eligible_cost": {"kind": "invention_patent", "industry": "machinery", "claims": 20,
                      "independent_claims": 3, "family_size": 4, "countries": 3,
                      "forward_citations": 15, "maturity": "mass_production", "licences": 2,
                      "invalidation_survived": 1, "development_cost": 2_000_000_00},
}


def library_result(overrides: dict[str, Any]) -> dict[str, Any]:
    facts = valuation.facts_from_dict({**BASE, **overrides})
    out: dict[str, Any] = valuation.value_asset(facts, as_of=AS_OF).to_dict()
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_localise_translates_every_reason_and_the_loan_note(name: str) -> None:
    result = library_result(CASES[name])
    assert result["loan_note_code"] == ("eligible" if name == "gi" else name)
    zh = localise(result, "zh")
    for en_item, zh_item in zip(result["breakdown"], zh["breakdown"], strict=True):
        assert zh_item["label"] == ZH["labels"][en_item["code"]]  # type: ignore[index]
        assert not LATIN.search(zh_item["reason"]), zh_item["reason"]
        assert zh_item["reason"] != en_item["reason"]
    assert zh["loan_note"] != result["loan_note"]
    assert not LATIN.search(re.sub(r"\b(P50|[ABC]{1,3})\b", "", zh["loan_note"])), zh["loan_note"]
    for params in (result["loan_note_params"], result["pledge_rule"]["params"]):
        for value in params.values():
            if isinstance(value, str) and not LATIN.search(value):
                assert value in zh["loan_note"] + zh["pledge_rule"]["text"]  # numbers kept
    assert zh["pledge_rule"]["text"] != result["pledge_rule"]["text"]
    assert not LATIN.search(re.sub(r"P50", "", zh["pledge_rule"]["text"]))
    for en_note, zh_note in zip(result["value_notes"], zh["value_notes"], strict=True):
        assert zh_note["code"] == en_note["code"] and zh_note["text"] != en_note["text"]
        assert not LATIN.search(zh_note["text"]), zh_note["text"]
    # Nothing else in the result changes.
    for key in set(result) - {"breakdown", "loan_note", "pledge_rule", "value_notes"}:
        assert zh[key] == result[key]
    assert localise(result, "en") == result
    assert result == library_result(CASES[name])  # the stored result is not modified


def test_localise_formats_the_stored_params() -> None:
    result = library_result(CASES["term_too_short"])
    zh = localise(result, "zh-CN")
    term = next(i for i in zh["breakdown"] if i["code"] == "remaining_term")
    params = term["reason_params"]
    assert f"{params['expiry']}" in term["reason"] and f"{params['points']}" in term["reason"]
    assert f"{params['years']:.1f}" in zh["loan_note"]
    cites = next(i for i in zh["breakdown"] if i["code"] == "forward_citations")
    assert "医药" in cites["reason"] and str(cites["reason_params"]["ratio"]) in cites["reason"]


# --- (c) fallback ------------------------------------------------------------------------------


def test_unknown_template_word_or_code_falls_back_to_english() -> None:
    result = library_result(CASES["eligible"])
    first, second, third = (dict(i) for i in result["breakdown"][:3])
    assert first["code"] == "legal_status"  # its template uses {asset}
    first["reason_params"] = {**first["reason_params"], "asset": "petty patent"}
    second["reason_template"] = "A template from another model version: {points}."
    second["reason"] = "A template from another model version: 1.0."
    third["reason_params"] = {}
    changed = {
        **result,
        "breakdown": [first, second, third, *result["breakdown"][3:]],
        "loan_note_code": "brand_new_rule",
    }
    zh = localise(changed, "zh")
    assert zh["breakdown"][0]["reason"] == first["reason"]
    assert zh["breakdown"][1]["reason"] == second["reason"]
    assert zh["breakdown"][2]["reason"] == third["reason"]
    assert zh["breakdown"][3]["reason"] != result["breakdown"][3]["reason"]
    assert zh["loan_note"] == result["loan_note"]
    assert localise(changed, "fr") == changed


# --- (b) the pages ----------------------------------------------------------------------------


def zh_client(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "zh")
    return client


def text(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("kind", list(AssetKind))
@pytest.mark.parametrize("status", [LegalStatus.VALID, LegalStatus.LAPSED])
def test_zh_report_shows_chinese_reasons(
    world: World, session: Session, client: FlaskClient, kind: AssetKind, status: LegalStatus
) -> None:
    asset = make_asset(session, world.sme, kind, legal_status=status)
    stored = valuation_svc.latest(session, asset.id)
    assert stored is not None
    result = stored.result
    sign_in(client, world.sme)

    english = text(client, f"/assets/{asset.id}/valuation", {"Accept-Language": "en-US"})
    for item in result["breakdown"]:
        assert item["reason"] in english and item["label"] in english
    assert result["loan_note"] in english

    zh = text(zh_client(client), f"/assets/{asset.id}/valuation")
    words = ZH["words"]  # type: ignore[index]
    for item in result["breakdown"]:
        template = ZH["templates"][item["code"]]  # type: ignore[index]
        case = next(c for c, t in REASONS_EN["templates"][item["code"]].items()
                    if t == item["reason_template"])
        params = {
            k: words.get(k, {}).get(v, v) if isinstance(v, str) else v
            for k, v in item["reason_params"].items()
        }
        assert template[case].format(**params) in zh
        assert item["reason"] not in zh
        assert ZH["labels"][item["code"]] in zh  # type: ignore[index]
    assert result["loan_note"] not in zh
    assert localise(result, "zh")["loan_note"] in zh

    detail = text(client, f"/assets/{asset.id}")
    assert localise(result, "zh")["loan_note"] in detail
    assert result["loan_note"] not in detail
    client.set_cookie("lang", "en")
    assert result["loan_note"] in text(client, f"/assets/{asset.id}")


def test_zh_report_by_accept_language(
    world: World, session: Session, client: FlaskClient
) -> None:
    asset = make_asset(session, world.sme, AssetKind.TRADEMARK)
    stored = valuation_svc.latest(session, asset.id)
    assert stored is not None
    sign_in(client, world.sme)
    page = text(client, f"/assets/{asset.id}/valuation", {"Accept-Language": "zh-CN,zh;q=0.9"})
    assert localise(stored.result, "zh")["breakdown"][0]["reason"] in page
    assert stored.result["breakdown"][0]["reason"] not in page


def test_report_page_falls_back_to_english_for_an_unknown_template(
    world: World, session: Session, client: FlaskClient
) -> None:
    asset = make_asset(session, world.sme)
    stored = valuation_svc.latest(session, asset.id)
    assert stored is not None
    result = dict(stored.result)
    first = dict(result["breakdown"][0])
    first["reason_template"] = "An older wording of {asset} that this catalog lacks."
    first["reason"] = "An older wording of patent that this catalog lacks."
    result["breakdown"] = [first, *result["breakdown"][1:]]
    stored.result = result
    session.add(stored)
    session.commit()
    sign_in(client, world.sme)
    page = text(zh_client(client), f"/assets/{asset.id}/valuation")
    assert first["reason"] in page
    second = localise(result, "zh")["breakdown"][1]["reason"]
    assert second in page and second != result["breakdown"][1]["reason"]
