"""The valuation library's report text (indicator labels, reasons, loan note, pledge rule,
value notes) in the reader's language.

The `valuation` library writes its explanations in English only, and a stored result keeps
both the English sentence and what made it: each breakdown item's `reason_template` (from
valuation/data/reasons_en.json) and `reason_params`; the loan note's code, template and params
(model 2.x; a 1.x result has only `loan_note_code`), and the pledge rule's and value notes'
code, template and params.
`localise` matches every item to its English template by (code, reason_template), formats the
translated template (market/translations/valuation_<lang>.json) with the stored params, and
keeps the library's number formatting. Anything it cannot translate completely - an unknown
template or code, a missing word or field - stays in English, sentence by sentence.
"""

from __future__ import annotations

import json
import re
import string
from functools import cache
from pathlib import Path
from typing import Any

from valuation.tables import load_tables
from valuation.vocab import ASSET_NOUN

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
_LATIN = re.compile(r"[A-Za-z]")


def _lang(locale: str) -> str:
    return str(locale).replace("-", "_").split("_")[0].lower()


@cache
def catalog(lang: str) -> dict[str, Any] | None:
    """The valuation text catalog of `lang` (None when there is none, e.g. for English)."""
    path = TRANSLATIONS / f"valuation_{lang}.json"
    if lang == "en" or not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _english_cases() -> dict[tuple[str, str], str]:
    """(indicator code, English template) -> template case, from reasons_en.json."""
    return {
        (code, template): case
        for code, cases in load_tables().reasons.items()
        for case, template in cases.items()
    }


def placeholders(template: str) -> set[str]:
    """The {field} names a str.format template uses."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _fill(template: str, params: dict[str, Any], words: dict[str, dict[str, str]]) -> str | None:
    """`template` formatted with `params`, English words replaced; None if anything is missing."""
    values: dict[str, Any] = {}
    for field in placeholders(template):
        if field not in params:
            return None
        value = params[field]
        if isinstance(value, str) and _LATIN.search(value):
            value = words.get(field, {}).get(value)
            if value is None:
                return None
        values[field] = value
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return None


def _item(item: dict[str, Any], cat: dict[str, Any]) -> dict[str, Any]:
    out = dict(item)
    code = str(item.get("code", ""))
    label = cat.get("labels", {}).get(code)
    if label and item.get("label") == load_tables().labels.get(code):
        out["label"] = label
    case = _english_cases().get((code, str(item.get("reason_template", ""))))
    template = cat.get("templates", {}).get(code, {}).get(case) if case else None
    params = item.get("reason_params")
    if isinstance(template, str) and isinstance(params, dict):
        reason = _fill(template, params, cat.get("words", {}))
        if reason is not None:
            out["reason"] = reason
    return out


def _loan_fields(result: dict[str, Any], words: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The fields a translated loan note may use when the result stores no params (model 1.x)."""
    fields: dict[str, Any] = {}
    noun = ASSET_NOUN.get(str(result.get("kind")))
    if noun and noun in words.get("asset", {}):
        fields["asset"] = words["asset"][noun]
    if result.get("grade"):
        fields["grade"] = result["grade"]
    rate_bp = result.get("pledge_rate_bp")
    if isinstance(rate_bp, int):
        fields["rate"] = f"{rate_bp / 100:g}"
    facts = (result.get("inputs") or {}).get("facts") or {}
    status = words.get("legal_status", {}).get(str(facts.get("legal_status")))
    if status:
        fields["status"] = status
    for item in result.get("breakdown") or []:
        years = (item.get("reason_params") or {}).get("years")
        if item.get("code") == "remaining_term" and isinstance(years, int | float):
            fields["years"] = f"{years:.1f}"
    return fields


# Note params that hold English words, and the catalog's word list that translates them;
# `grade` (AAA..C) is shown as it is in both languages.
_NOTE_WORDS = {"asset": "asset", "status": "legal_status"}
_KEEP = frozenset({"grade"})


def _note_text(
    template: str, params: dict[str, Any], words: dict[str, dict[str, str]]
) -> str | None:
    """A note's translated template filled from its stored params; None if anything is missing."""
    values: dict[str, Any] = {}
    for name in placeholders(template):
        if name not in params:
            return None
        value = params[name]
        if isinstance(value, str) and name not in _KEEP and _LATIN.search(value):
            value = words.get(_NOTE_WORDS.get(name, name), {}).get(value)
            if value is None:
                return None
        values[name] = value
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return None


def _section_note(note: Any, section: str, cat: dict[str, Any]) -> str | None:
    """The translation of a stored note ({code, text, template, params}) of `section`, if the
    note's English template is the one the catalog translates."""
    if not isinstance(note, dict):
        return None
    code = str(note.get("code", ""))
    english = getattr(load_tables(), section, {}).get(code)
    template = cat.get(section, {}).get(code)
    params = note.get("params")
    if not isinstance(template, str) or not isinstance(params, dict):
        return None
    if english is not None and note.get("template") != english:
        return None
    return _note_text(template, params, cat.get("words", {}))


def _loan_note(result: dict[str, Any], cat: dict[str, Any]) -> str | None:
    code = str(result.get("loan_note_code"))
    if isinstance(result.get("loan_note_params"), dict):
        note = {
            "code": code,
            "template": result.get("loan_note_template"),
            "params": result["loan_note_params"],
        }
        return _section_note(note, "loan_notes", cat)
    template = cat.get("loan_notes", {}).get(code)
    if not isinstance(template, str):
        return None
    fields = _loan_fields(result, cat.get("words", {}))
    if not placeholders(template) <= fields.keys():
        return None
    return template.format(**fields)


def _with_text(note: Any, text: str | None) -> Any:
    return {**note, "text": text} if text is not None and isinstance(note, dict) else note


def localise(result: dict[str, Any], locale: str) -> dict[str, Any]:
    """A copy of a stored valuation result (Valuation.to_dict()) whose indicator labels,
    reasons, loan note, pledge rule and value notes are in `locale`; English, or text that
    can't be translated completely, stays as the library wrote it."""
    out = dict(result)
    cat = catalog(_lang(locale))
    items = result.get("breakdown")
    if isinstance(items, list):
        out["breakdown"] = [dict(i) if cat is None else _item(i, cat) for i in items]
    if cat is None:
        return out
    note = _loan_note(result, cat)
    if note is not None:
        out["loan_note"] = note
    rule = result.get("pledge_rule")
    if isinstance(rule, dict):
        out["pledge_rule"] = _with_text(rule, _section_note(rule, "pledge_rules", cat))
    notes = result.get("value_notes")
    if isinstance(notes, list):
        out["value_notes"] = [_with_text(n, _section_note(n, "value_notes", cat)) for n in notes]
    return out
