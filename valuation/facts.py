"""Typed facts records per asset kind, their validation and their JSON form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from valuation.batch import check_rules, columns_from_facts, to_arrays
from valuation.errors import FactsError
from valuation.schema import FieldSpec, meta, specs_of
from valuation.vocab import GI_TYPES, INDUSTRIES, LEGAL_STATUSES, MATURITIES, QUALITY_STANDARDS

JsonValue = str | int | float | bool | None | list[int]
# Keeps money exactly representable as a float inside the model (10^16 fen = 10^14 CNY).
MAX_FEN = 10**16


@dataclass(frozen=True, kw_only=True)
class AssetFacts:
    """Facts common to every kind of IP asset; money in int fen, dates as datetime.date.

    `annual_revenue` is the owner's own yearly revenue from products using the asset (for a
    GI mark it only scores; see GIMarkFacts). `licence_income` (patents, trademarks) is the
    royalty or licence income the owner actually receives a year. Either one, above zero, is
    revenue evidence; without it there is no income value.
    """

    kind: ClassVar[str] = ""

    industry: str = field(metadata=meta("choice", choices=INDUSTRIES))
    legal_status: str = field(metadata=meta("choice", choices=LEGAL_STATUSES))
    filing_date: date = field(metadata=meta("date"))
    grant_date: date | None = field(default=None, metadata=meta("date"))
    expiry_date: date | None = field(default=None, metadata=meta("date"))
    annual_revenue: int | None = field(default=None, metadata=meta("money", minimum=0))
    revenue_growth: float | None = field(
        default=None, metadata=meta("rate", minimum=-0.5, maximum=1.0)
    )
    licences: int = field(default=0, metadata=meta("count", minimum=0))
    litigation_won: int = field(default=0, metadata=meta("count", minimum=0))
    litigation_lost: int = field(default=0, metadata=meta("count", minimum=0))
    development_cost: int | None = field(default=None, metadata=meta("money", minimum=0))

    def __post_init__(self) -> None:
        specs = specs_of(type(self))
        for spec in specs:
            _check_type(self, spec)
        check_rules(self.kind, to_arrays(specs, columns_from_facts([self])))

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe dict of every fact (dates as ISO strings), including `kind`."""
        out: dict[str, JsonValue] = {"kind": self.kind}
        for spec in specs_of(type(self)):
            value = getattr(self, spec.name)
            if isinstance(value, date):
                out[spec.name] = value.isoformat()
            elif isinstance(value, tuple):
                out[spec.name] = list(value)
            else:
                out[spec.name] = value
        return out


@dataclass(frozen=True, kw_only=True)
class PatentFacts(AssetFacts):
    """Facts shared by invention patents, utility models and design patents."""

    claims: int | None = field(default=None, metadata=meta("count", minimum=1))
    independent_claims: int | None = field(default=None, metadata=meta("count", minimum=1))
    family_size: int = field(default=1, metadata=meta("count", minimum=1))
    countries: int = field(default=1, metadata=meta("count", minimum=1))
    forward_citations: int = field(default=0, metadata=meta("count", minimum=0))
    backward_citations: int | None = field(default=None, metadata=meta("count", minimum=0))
    invalidation_survived: int = field(default=0, metadata=meta("count", minimum=0))
    invalidation_pending: bool = field(default=False, metadata=meta("flag"))
    standard_essential: bool = field(default=False, metadata=meta("flag"))
    maturity: str | None = field(default=None, metadata=meta("choice", choices=MATURITIES))
    licence_income: int | None = field(default=None, metadata=meta("money", minimum=0))


@dataclass(frozen=True, kw_only=True)
class InventionPatentFacts(PatentFacts):
    """Facts of an invention patent (发明专利)."""

    kind: ClassVar[str] = "invention_patent"


@dataclass(frozen=True, kw_only=True)
class UtilityModelFacts(PatentFacts):
    """Facts of a utility model (实用新型)."""

    kind: ClassVar[str] = "utility_model"


@dataclass(frozen=True, kw_only=True)
class DesignPatentFacts(PatentFacts):
    """Facts of a design patent (外观设计); claims are usually absent."""

    kind: ClassVar[str] = "design_patent"


@dataclass(frozen=True, kw_only=True)
class TrademarkFacts(AssetFacts):
    """Facts of a registered trademark; `grant_date` is the registration date."""

    kind: ClassVar[str] = "trademark"

    nice_classes: tuple[int, ...] = field(metadata=meta("classes", maximum=45))
    first_use_date: date | None = field(default=None, metadata=meta("date"))
    continuous_use: bool = field(default=False, metadata=meta("flag"))
    renewals: int = field(default=0, metadata=meta("count", minimum=0))
    oppositions_lost: int = field(default=0, metadata=meta("count", minimum=0))
    oppositions_won: int = field(default=0, metadata=meta("count", minimum=0))
    well_known: bool = field(default=False, metadata=meta("flag"))
    international_registrations: int = field(default=0, metadata=meta("count", minimum=0))
    licence_income: int | None = field(default=None, metadata=meta("money", minimum=0))


@dataclass(frozen=True, kw_only=True)
class GIMarkFacts(AssetFacts):
    """Facts of a geographical-indication collective or certification mark.

    The mark is held by an association or public body. Its money value rests on
    `holder_fee_income` (royalty and membership fees the holder collects a year) and/or
    `own_sales_under_mark` (the borrower's own yearly sales under the mark), never on
    `regional_output_value`, the whole region's output, which only scores.
    """

    kind: ClassVar[str] = "gi_mark"

    gi_type: str = field(metadata=meta("choice", choices=GI_TYPES))
    regional_output_value: int = field(metadata=meta("money", minimum=0))
    authorised_users: int = field(default=0, metadata=meta("count", minimum=0))
    quality_standard: str = field(
        default="none", metadata=meta("choice", choices=QUALITY_STANDARDS)
    )
    demonstration_zone: bool = field(default=False, metadata=meta("flag"))
    nice_classes: tuple[int, ...] = field(default=(), metadata=meta("classes", maximum=45))
    holder_fee_income: int | None = field(default=None, metadata=meta("money", minimum=0))
    own_sales_under_mark: int | None = field(default=None, metadata=meta("money", minimum=0))


Facts = InventionPatentFacts | UtilityModelFacts | DesignPatentFacts | TrademarkFacts | GIMarkFacts

FACTS_CLASSES: dict[str, type[Facts]] = {
    cls.kind: cls
    for cls in (
        InventionPatentFacts,
        UtilityModelFacts,
        DesignPatentFacts,
        TrademarkFacts,
        GIMarkFacts,
    )
}


def facts_class(kind: object) -> type[Facts]:
    """The facts class for a kind name; FactsError(field='kind') if unknown."""
    if not isinstance(kind, str) or kind not in FACTS_CLASSES:
        raise FactsError("kind", f"unknown kind {kind!r}; expected one of {list(FACTS_CLASSES)}")
    return FACTS_CLASSES[kind]


def _fail(spec: FieldSpec, message: str) -> FactsError:
    return FactsError(spec.name, message)


def _check_type(obj: AssetFacts, spec: FieldSpec) -> None:
    value = getattr(obj, spec.name)
    if value is None:
        if not spec.optional:
            raise _fail(spec, "is required")
        return
    if spec.vtype == "date":
        if not isinstance(value, date) or isinstance(value, datetime):
            raise _fail(spec, f"must be a datetime.date, got {value!r}")
    elif spec.vtype in ("money", "count"):
        if not isinstance(value, int) or isinstance(value, bool):
            unit = "whole fen (int)" if spec.vtype == "money" else "an int"
            raise _fail(spec, f"must be {unit}, got {value!r}")
        if spec.vtype == "money" and value > MAX_FEN:
            raise _fail(spec, f"exceeds {MAX_FEN} fen")
    elif spec.vtype == "rate":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _fail(spec, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise _fail(spec, f"must be finite, got {value!r}")
    elif spec.vtype == "flag":
        if not isinstance(value, bool):
            raise _fail(spec, f"must be True or False, got {value!r}")
    elif spec.vtype == "choice":
        if value not in spec.choices:
            raise _fail(spec, f"unknown value {value!r}; expected one of {list(spec.choices)}")
    else:
        object.__setattr__(obj, spec.name, _nice_classes(spec, value))


def _nice_classes(spec: FieldSpec, value: object) -> tuple[int, ...]:
    """Validate Nice classes and store them sorted and de-duplicated."""
    if isinstance(value, str | bytes) or not isinstance(value, tuple | list | frozenset | set):
        raise _fail(spec, f"must be a tuple of ints 1-45, got {value!r}")
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or not 1 <= item <= 45:
            raise _fail(spec, f"Nice class must be an int from 1 to 45, got {item!r}")
    return tuple(sorted(set(value)))


def _from_json(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.vtype == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _fail(spec, f"is not an ISO date: {value!r}") from None
    if spec.vtype == "classes" and isinstance(value, list):
        return tuple(value)
    return value


def facts_from_dict(d: Mapping[str, Any]) -> Facts:
    """Rebuild a facts record from `facts.to_dict()` output (ISO dates, lists for classes)."""
    cls = facts_class(d.get("kind"))
    specs = {s.name: s for s in specs_of(cls)}
    for key in d:
        if key != "kind" and key not in specs:
            raise FactsError(str(key), f"is not a fact of a {cls.kind}")
    for spec in specs.values():
        if spec.name not in d and not spec.has_default:
            raise _fail(spec, "is required")
    kwargs = {k: _from_json(specs[k], v) for k, v in d.items() if k != "kind"}
    return cls(**kwargs)


def facts_from_inputs(inputs: Mapping[str, Any]) -> Facts:
    """The facts recorded in `Valuation.inputs`, rebuilt for re-valuation."""
    return facts_from_dict(inputs["facts"])
