"""The facts a valuation indicator read, in the reader's units and language.

The valuation library names the fact(s) an indicator used by their column names
("annual_revenue", "litigation_won, litigation_lost") and gives the value it read (money in
fen, growth as a fraction, codes, ISO dates, counts). The report shows each fact with its label
from the asset's fact specs (market.text.asset_facts) or the audit labels, and its value as the
reader expects it: money in CNY, yes/no, dates, percentages, choices by their label.
"""

from __future__ import annotations

from typing import Any

from market.domain.kinds import AssetKind
from market.text.asset_facts import FACTS_BY_KIND, FactSpec
from market.text.audit_details import Formats, label, value_text

# Growth is stored as a fraction (0.08 = 8 %).
FRACTIONS = frozenset({"revenue_growth"})


def _label(name: str, spec: FactSpec | None) -> str:
    return str(spec.label) if spec is not None else label(name)


def _value(name: str, value: Any, spec: FactSpec | None, formats: Formats) -> str:
    if value is None:
        return "—"
    if name in FRACTIONS and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    if spec is not None:
        if spec.type == "bool" and isinstance(value, int):
            return value_text(name, bool(value), formats)
        if spec.type == "money" and isinstance(value, int):
            return value_text("amount", value, formats)
        if spec.type == "choice":
            for code, shown in spec.choices:
                if code == value:
                    return str(shown)
    return value_text(name, value, formats, "IPAsset")


def fact_lines(
    fact: str, value: Any, kind: AssetKind | str, formats: Formats
) -> list[tuple[str, str]]:
    """(label, value) pairs for an indicator's fact(s) and the value(s) it read."""
    names = [n.strip() for n in fact.split(",") if n.strip()]
    # The asset kind's own specs first, then any kind's (a fact's label is the same).
    specs = {s.name: s for k in FACTS_BY_KIND for s in FACTS_BY_KIND[k]}
    specs.update({s.name: s for s in FACTS_BY_KIND.get(AssetKind(kind), ())})
    if isinstance(value, list) and len(names) > 1 and len(value) == len(names):
        return [
            (_label(n, specs.get(n)), _value(n, v, specs.get(n), formats))
            for n, v in zip(names, value, strict=True)
        ]
    if len(names) == 1:
        spec = specs.get(names[0])
        return [(_label(names[0], spec), _value(names[0], value, spec, formats))]
    # One value read from the first of several facts given (e.g. the mark's age).
    joined = " / ".join(_label(n, specs.get(n)) for n in names)
    return [(joined, _value(names[-1], value, None, formats))]
