"""The kind-specific facts an IP asset carries, as data: one spec drives forms and checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from market.domain.identifiers import IdentifierError, parse_nice_classes
from market.domain.kinds import AssetKind
from market.domain.messages import N_, _l, msg
from market.text.reference import KIND_LABELS


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str  # "int", "bool", "date", "choice", "classes", "money"
    label: Any
    required: bool = False
    minimum: int = 0
    maximum: int | None = None
    choices: tuple[tuple[str, Any], ...] = ()
    help: Any = ""


MATURITY = (
    ("concept", _l("Concept")),
    ("prototype", _l("Prototype")),
    ("pilot", _l("Pilot production")),
    ("mass_production", _l("Mass production")),
)
QUALITY = (
    ("none", _l("None")),
    ("local", _l("Local standard")),
    ("provincial", _l("Provincial standard")),
    ("national", _l("National standard")),
)
GI_TYPES = (("collective", _l("Collective mark")), ("certification", _l("Certification mark")))

_DISPUTES = (
    FactSpec(
        "licences",
        "int",
        _l("Licences granted"),
        maximum=10_000,
        help=_l("Licence contracts in force or completed."),
    ),
    FactSpec("litigation_won", "int", _l("Infringement suits won"), maximum=1_000),
    FactSpec("litigation_lost", "int", _l("Infringement suits lost"), maximum=1_000),
)

_LICENCE_INCOME = FactSpec(
    "licence_income",
    "money",
    _l("Licence income received per year (CNY)"),
    help=_l("Royalties actually received under licences; revenue evidence for the valuation."),
)

_PATENT = (
    FactSpec("claims", "int", _l("Number of claims"), required=True, minimum=1, maximum=1_000),
    FactSpec("independent_claims", "int", _l("Independent claims"), minimum=1, maximum=100),
    FactSpec(
        "family_size",
        "int",
        _l("Patent family size"),
        minimum=1,
        maximum=500,
        help=_l("Applications in the family, this one included."),
    ),
    FactSpec("countries", "int", _l("Jurisdictions covered"), minimum=1, maximum=200),
    FactSpec(
        "forward_citations",
        "int",
        _l("Forward citations"),
        maximum=100_000,
        help=_l("Later patents citing this one."),
    ),
    FactSpec("backward_citations", "int", _l("Backward citations"), maximum=10_000),
    FactSpec("invalidation_survived", "int", _l("Invalidation requests survived"), maximum=100),
    FactSpec("invalidation_pending", "bool", _l("Invalidation request pending")),
    FactSpec("standard_essential", "bool", _l("Standard-essential patent")),
    FactSpec("maturity", "choice", _l("Technology maturity"), required=True, choices=MATURITY),
    _LICENCE_INCOME,
    *_DISPUTES,
)

_TRADEMARK = (
    FactSpec(
        "nice_classes",
        "classes",
        _l("Nice classes"),
        required=True,
        help=_l("Classes 1-45, separated by commas, e.g. 9, 35, 42."),
    ),
    FactSpec("first_use_date", "date", _l("First use")),
    FactSpec("continuous_use", "bool", _l("In continuous use")),
    FactSpec(
        "renewals", "int", _l("Renewals"), maximum=50, help=_l("Each renewal adds a ten-year term.")
    ),
    FactSpec("oppositions_won", "int", _l("Oppositions and cancellations won"), maximum=1_000),
    FactSpec("oppositions_lost", "int", _l("Oppositions and cancellations lost"), maximum=1_000),
    FactSpec("well_known", "bool", _l("Recognised well-known mark (驰名商标)")),
    FactSpec(
        "international_registrations",
        "int",
        _l("International registrations"),
        maximum=200,
        help=_l("Madrid designations and foreign registrations."),
    ),
    _LICENCE_INCOME,
    *_DISPUTES,
)

_GI = (
    FactSpec("gi_type", "choice", _l("Mark type"), required=True, choices=GI_TYPES),
    FactSpec(
        "nice_classes",
        "classes",
        _l("Nice classes"),
        required=True,
        help=_l("Classes 1-45, separated by commas, e.g. 29, 31."),
    ),
    FactSpec(
        "regional_output_value",
        "money",
        _l("Regional output value per year (CNY)"),
        required=True,
        help=_l(
            "Annual output of the GI product in the region; it scores, it is never the value "
            "basis."
        ),
    ),
    FactSpec(
        "holder_fee_income",
        "money",
        _l("Fees the holder collects per year (CNY)"),
        help=_l("Royalty and membership fees the association or body holding the mark collects."),
    ),
    FactSpec(
        "own_sales_under_mark",
        "money",
        _l("Your own sales under the mark per year (CNY)"),
        help=_l("At most the regional output value."),
    ),
    FactSpec(
        "holder_consent",
        "bool",
        _l("The holder association has consented in writing to this pledge"),
        help=_l(
            "Only the holder of a GI mark can pledge it: list it under the association's name "
            "as the registered holder, or tick this when the association named as holder consents."
        ),
    ),
    FactSpec(
        "authorised_users",
        "int",
        _l("Authorised users"),
        required=True,
        maximum=1_000_000,
        help=_l("Enterprises and farmers authorised to use the mark."),
    ),
    FactSpec("quality_standard", "choice", _l("Quality standard"), required=True, choices=QUALITY),
    FactSpec("demonstration_zone", "bool", _l("National GI demonstration zone")),
    FactSpec("renewals", "int", _l("Renewals"), maximum=50),
    *_DISPUTES,
)

FACTS_BY_KIND: dict[AssetKind, tuple[FactSpec, ...]] = {
    AssetKind.INVENTION_PATENT: _PATENT,
    AssetKind.UTILITY_MODEL: _PATENT,
    AssetKind.DESIGN_PATENT: _PATENT,
    AssetKind.TRADEMARK: _TRADEMARK,
    AssetKind.GI_MARK: _GI,
}


def clean_facts(kind: AssetKind, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check raw facts against the kind's specs; return (JSON-safe facts, errors by field)."""
    facts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in FACTS_BY_KIND[kind]:
        value = raw.get(spec.name)
        if value is None or value == "":
            if spec.type == "bool":
                facts[spec.name] = False
            elif spec.required:
                errors[spec.name] = N_("This fact is required for a valuation.")
            continue
        try:
            facts[spec.name] = _clean_value(spec, value)
        except ValueError as exc:
            errors[spec.name] = str(exc)
    unknown = set(raw) - {s.name for s in FACTS_BY_KIND[kind]}
    for name in sorted(unknown):
        errors[name] = msg(
            "“%(name)s” is not a fact of this kind of asset (%(kind)s).",
            name=name,
            kind=KIND_LABELS[kind],
        )
    return facts, errors


def _clean_value(spec: FactSpec, value: Any) -> Any:
    if spec.type == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(N_("Answer yes or no."))
    if spec.type in ("int", "money"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(N_("Enter a whole number."))
        if value < spec.minimum:
            raise ValueError(msg("Must be at least %(n)s.", n=spec.minimum))
        if spec.maximum is not None and value > spec.maximum:
            raise ValueError(msg("Must be at most %(n)s.", n=spec.maximum))
        return value
    if spec.type == "choice":
        if value not in {c for c, _ in spec.choices}:
            raise ValueError(N_("Choose one of the listed options."))
        return value
    if spec.type == "date":
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise ValueError(N_("Enter a date as YYYY-MM-DD.")) from exc
    if spec.type == "classes":
        try:
            return list(parse_nice_classes(value))
        except IdentifierError as exc:
            raise ValueError(str(exc)) from exc
    raise AssertionError(spec.type)
