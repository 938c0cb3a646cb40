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
    """Every loan_note_code valuation/loan.py can return (read from its source)."""
    tree = ast.parse((ROOT / "valuation" / "loan.py").read_text("utf-8"))
    codes: set[str] = set()
    for node in ast.walk(tree):
        # code, note = ("pending", ...)  /  code, note = "not_in_force", f"..."
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Tuple)
            and [getattr(e, "id", None) for e in node.targets[0].elts] == ["code", "note"]
            and isinstance(node.value, ast.Tuple)
            and isinstance(node.value.elts[0], ast.Constant)
        ):
            codes.add(node.value.elts[0].value)
        # return LoanTerms(liquidation, rate, max_loan, "eligible", f"...")
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "LoanTerms"
            and len(node.args) >= 4
            and isinstance(node.args[3], ast.Constant)
        ):
            codes.add(node.args[3].value)
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
    assert {"pending", "not_in_force", "eligible", "score_too_low"} <= codes
    assert codes <= set(ZH["loan_notes"])
    allowed = {"asset", "grade", "rate", "status", "years"}
    for code in codes:
        assert placeholders(ZH["loan_notes"][code]) <= allowed, code


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
    "score_too_low": {"kind": "utility_model", "industry": "consumer_goods",
                      "filing_date": "2024-03-01", "grant_date": "2024-09-01"},
    "gi": {"kind": "gi_mark", "industry": "agriculture", "gi_type": "certification",
           "nice_classes": [30, 31], "quality_standard": "national", "authorised_users": 40,
           "regional_output_value": 80_000_000_00},
}


def library_result(overrides: dict[str, Any]) -> dict[str, Any]:
    facts = valuation.facts_from_dict({**BASE, **overrides})
    out: dict[str, Any] = valuation.value_asset(facts, as_of=AS_OF).to_dict()
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_localise_translates_every_reason_and_the_loan_note(name: str) -> None:
    result = library_result(CASES[name])
    if name != "gi":
        assert result["loan_note_code"] == name
    zh = localise(result, "zh")
    for en_item, zh_item in zip(result["breakdown"], zh["breakdown"], strict=True):
        assert zh_item["label"] == ZH["labels"][en_item["code"]]  # type: ignore[index]
        assert not LATIN.search(zh_item["reason"]), zh_item["reason"]
        assert zh_item["reason"] != en_item["reason"]
    assert zh["loan_note"] != result["loan_note"]
    assert not LATIN.search(re.sub(r"\b(P10|[ABC]{1,3})\b", "", zh["loan_note"])), zh["loan_note"]
    # Numbers keep the library's formatting; nothing else in the result changes.
    for key in set(result) - {"breakdown", "loan_note"}:
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
