"""Shipped scheme presets: JSON files in this folder, one per scheme, each citing its source."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from riskpool.errors import SchemeError


def list_presets() -> list[str]:
    """Names of the shipped presets, sorted (e.g. "zhongshan-2021")."""
    folder = resources.files(__name__)
    return sorted(
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )


def preset_data(name: str) -> dict[str, Any]:
    """The raw JSON data of a preset (raises SchemeError for an unknown name)."""
    if name not in list_presets():
        raise SchemeError("preset", f"unknown preset {name!r}; known: {', '.join(list_presets())}")
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
