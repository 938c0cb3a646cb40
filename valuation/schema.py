"""Field specifications shared by the facts records and the batch columns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

ValueType = Literal["date", "money", "count", "rate", "flag", "choice", "classes"]


@dataclass(frozen=True)
class FieldSpec:
    """How one fact is typed, bounded and laid out as a batch column."""

    name: str
    vtype: ValueType
    optional: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    has_default: bool = False
    default: Any = None

    @property
    def column(self) -> str:
        """Name of the batch column carrying this fact."""
        return "nice_class_count" if self.vtype == "classes" else self.name


def meta(
    vtype: ValueType,
    *,
    choices: tuple[str, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> dict[str, FieldSpec]:
    """Field metadata describing a fact; use as `field(default=..., metadata=meta(...))`."""
    return {"spec": FieldSpec("", vtype, choices=choices, minimum=minimum, maximum=maximum)}


def specs_of(cls: type) -> tuple[FieldSpec, ...]:
    """The FieldSpecs of a facts dataclass, in declaration order, with name and default."""
    specs = []
    for f in dataclasses.fields(cls):
        if "spec" not in f.metadata:
            continue
        has_default = f.default is not dataclasses.MISSING
        specs.append(
            dataclasses.replace(
                f.metadata["spec"],
                name=f.name,
                optional=has_default and f.default is None,
                has_default=has_default,
                default=f.default if has_default else None,
            )
        )
    return tuple(specs)
