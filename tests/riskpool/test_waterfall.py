"""The claim waterfall: exact conservation, caps, the pool's balance, preset splits."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskpool
from riskpool import ClaimContext, Scheme, Split, list_presets
from riskpool.parties import SCHEME_PARTIES
from riskpool.waterfall import allocate

FEN = st.integers(min_value=0, max_value=10**13)
PRINCIPAL = st.integers(min_value=1, max_value=5 * 10**9)


@st.composite
def schemes(draw: st.DrawFn) -> Scheme:
    parties = draw(st.lists(st.sampled_from(SCHEME_PARTIES), min_size=1, max_size=6, unique=True))
    cuts = sorted(
        draw(st.lists(st.integers(0, 10_000), min_size=len(parties) - 1, max_size=len(parties) - 1))
    )
    bounds = [0, *cuts, 10_000]
    shares = {p: bounds[i + 1] - bounds[i] for i, p in enumerate(parties)}
    data: dict[str, Any] = {"name": "random", "shares": shares}
    caps = st.none() | st.integers(1, 10**10)
    data["eligible_loss_cap_per_loan"] = draw(caps)
    data["pool_payout_cap_per_loan"] = draw(caps)
    data["pool_payout_cap_after_first_year"] = draw(caps)
    data["covered_principal_cap_per_loan"] = draw(caps)
    data["borrower_covered_cap_per_year"] = draw(caps)
    data["annual_budget_cap"] = draw(caps)
    data["ip_part_only"] = draw(st.booleans())
    data["fallback_party"] = draw(st.sampled_from(SCHEME_PARTIES[1:]))
    return Scheme.from_dict(data)


ANY_SCHEME = schemes() | st.sampled_from([Scheme.preset(n) for n in list_presets()])
CONTEXTS = st.builds(
    ClaimContext,
    ip_backed_principal=st.none() | st.integers(0, 6 * 10**9),
    relending=st.booleans(),
    borrower_covered_this_year=st.integers(0, 3 * 10**9),
    business_year=st.integers(1, 4),
    budget_used_this_year=st.none() | st.integers(0, 10**11),
)


def check_split(
    scheme: Scheme,
    result: Split,
    loss: int,
    balance: int | None,
    budget: int | None,
    year: int = 1,
) -> None:
    assert sum(result.values()) == loss
    assert all(isinstance(v, int) and v >= 0 for v in result.values())
    assert set(result) == set(scheme.parties)
    pool = result.get("pool", 0)
    if balance is not None:
        assert pool <= balance
    if budget is not None:
        assert pool <= budget
    cap = scheme.pool_payout_cap(year)
    if cap is not None:
        assert pool <= cap
    if scheme.eligible_loss_cap_per_loan is not None and "pool" in scheme.shares:
        share = max(b for p, b in result.shares_bp if p == "pool")
        limit = -(-scheme.eligible_loss_cap_per_loan * share // 10_000)
        assert pool <= limit
    moved = sum(a.amount for a in result.adjustments if a.from_party == "pool")
    assert pool + moved == next(
        (v for p, v in plain_split(scheme, result).items() if p == "pool"), 0
    )


def plain_split(scheme: Scheme, result: Split) -> dict[str, int]:
    """The share split before any pool cut (recomputed for the check)."""
    return allocate(result.eligible_loss, list(result.shares_bp))


@settings(max_examples=300, deadline=None)
@given(ANY_SCHEME, FEN, PRINCIPAL, st.none() | FEN, st.none() | FEN, st.booleans())
def test_split_properties(
    scheme: Scheme, loss: int, principal: int, balance: int | None, budget: int | None, ip: bool
) -> None:
    result = scheme.split(
        loss,
        loan_principal=principal,
        pool_balance=balance,
        ip_pledge=ip,
        budget_remaining=budget,
    )
    check_split(scheme, result, loss, balance, budget)
    # whatever the pool could not pay went to the fallback party
    shortfall = sum(
        a.amount for a in result.adjustments if a.rule in ("pool_balance", "annual_budget_cap")
    )
    unlimited = scheme.split(loss, loan_principal=principal, pool_balance=None, ip_pledge=ip)
    if shortfall and "pool" in result:
        assert unlimited["pool"] - result["pool"] == shortfall
        fb = scheme.fallback_party
        assert result[fb] - unlimited[fb] == shortfall


@settings(max_examples=400, deadline=None)
@given(ANY_SCHEME, FEN, PRINCIPAL, st.none() | FEN, st.none() | FEN, CONTEXTS)
def test_split_with_context_keeps_money_exact_and_caps(
    scheme: Scheme,
    loss: int,
    principal: int,
    balance: int | None,
    budget: int | None,
    context: ClaimContext,
) -> None:
    result = scheme.split(
        loss,
        loan_principal=principal,
        pool_balance=balance,
        budget_remaining=budget,
        context=context,
    )
    check_split(scheme, result, loss, balance, budget, context.business_year)
    pool = result.get("pool", 0)
    # the pool never pays more than what is left of the annual budget
    if scheme.annual_budget_cap is not None and context.budget_used_this_year is not None:
        assert pool <= max(0, scheme.annual_budget_cap - context.budget_used_this_year)
    # only the covered part of the loan is shared: eligible <= loss x covered / principal
    covered = scheme.covered_principal(principal, context)
    assert 0 <= covered <= principal
    assert result.eligible_loss * principal <= loss * covered
    if scheme.ip_part_only and context.ip_backed_principal is not None:
        assert result.eligible_loss * principal <= loss * context.ip_backed_principal
    # every party other than the bank and the fallback pays at most its share of the eligible loss
    for party, bp in result.shares_bp:
        if party not in ("bank", scheme.fallback_party):
            assert result[party] * 10_000 <= result.eligible_loss * bp + 10_000


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_allocate_is_exact_and_close(total: int, raw: list[int]) -> None:
    weights = list(zip((*SCHEME_PARTIES, "treasury", "borrower"), raw, strict=False))
    if sum(w for _, w in weights) == 0:
        return
    parts = allocate(total, weights)
    assert sum(parts.values()) == total
    denominator = sum(w for _, w in weights)
    for party, w in weights:
        exact = total * w / denominator
        assert abs(parts[party] - exact) < 1.0
        assert parts[party] >= 0


def test_allocate_tie_break_order() -> None:
    # 1 fen shared equally: the party earliest in PARTY_ORDER gets it
    assert allocate(1, [("valuer", 1), ("bank", 1), ("pool", 1)]) == {
        "valuer": 0,
        "bank": 0,
        "pool": 1,
    }
    assert allocate(2, [("valuer", 1), ("bank", 1), ("insurer", 1)]) == {
        "valuer": 0,
        "bank": 1,
        "insurer": 1,
    }


@settings(max_examples=300, deadline=None)
@given(ANY_SCHEME, FEN, PRINCIPAL, st.none() | FEN, st.integers(0, 2 * 10**13))
def test_recovery_properties(
    scheme: Scheme, loss: int, principal: int, balance: int | None, amount: int
) -> None:
    paid = scheme.split(loss, loan_principal=principal, pool_balance=balance)
    back = scheme.split_recovery(amount, paid=paid)
    assert sum(back.values()) == amount
    assert all(v >= 0 for v in back.values())
    for party, value in back.items():
        if party == "treasury":
            assert value <= paid.get("pool", 0)
        elif party == "borrower":
            assert value == max(0, amount - loss)
        else:
            assert value <= paid[party]
    if scheme.recovery_rule == "treasury":
        assert back.get("pool", 0) == 0


CNY = 100  # fen per CNY


@pytest.mark.parametrize(
    ("preset", "loss", "principal", "expected"),
    [
        # Zhongshan 54 : 26 : 16 : 4
        (
            "zhongshan-2021",
            1_000_000,
            10**8,
            {"pool": 540_000, "bank": 260_000, "insurer": 160_000, "valuer": 40_000},
        ),
        # Quanzhou 40 : 35 : 20 : 5
        (
            "quanzhou-2023",
            1_000_000,
            10**8,
            {"pool": 400_000, "guarantor": 350_000, "bank": 200_000, "valuer": 50_000},
        ),
        # Guangzhou 2023: 50% x loss x min(1, 10m / principal) = 50% x 15m x 10/20 = 3.75m
        (
            "guangzhou-2023",
            15_000_000 * CNY,
            20_000_000 * CNY,
            {"pool": 3_750_000 * CNY, "bank": 11_250_000 * CNY},
        ),
        # Guangzhou 2025: 10m CNY IP loan -> 30% + 15 points
        (
            "guangzhou-2025",
            1_000_000 * CNY,
            10_000_000 * CNY,
            {"pool": 450_000 * CNY, "bank": 550_000 * CNY},
        ),
        # Qingdao insurer 60 : bank 20 : guarantor 20
        ("qingdao", 1_000_000, 10**8, {"insurer": 600_000, "bank": 200_000, "guarantor": 200_000}),
        # Anhui 4321
        (
            "anhui-4321",
            1_000_000,
            10**8,
            {"guarantor": 400_000, "re_guarantor": 300_000, "bank": 200_000, "pool": 100_000},
        ),
        # Shenzhen fund 25%, the partner guarantor 75%
        ("shenzhen-2018", 1_000_000, 10**8, {"pool": 250_000, "guarantor": 750_000}),
        # Weihai: province 40% = 1.2m; city 20% = 600k, under its 1m cap; bank 40% = 1.2m
        (
            "weihai",
            3_000_000 * CNY,
            5_000_000 * CNY,
            {"province": 1_200_000 * CNY, "pool": 600_000 * CNY, "bank": 1_200_000 * CNY},
        ),
    ],
)
def test_presets_split_as_their_sources_say(
    preset: str, loss: int, principal: int, expected: dict[str, int]
) -> None:
    scheme = Scheme.preset(preset)
    result = scheme.split(loss, loan_principal=principal, pool_balance=None)
    assert {k: v for k, v in result.items() if v} == expected
    assert result == {**{p: 0 for p in scheme.parties}, **expected}


def test_split_records_caps_and_shortfall() -> None:
    scheme = Scheme.preset("zhongshan-2021")
    result = scheme.split(1_000_000, loan_principal=10**8, pool_balance=100_000)
    assert result["pool"] == 100_000
    assert result["bank"] == 260_000 + 440_000
    assert result.pool_shortfall == 440_000
    assert result.capped
    [adj] = result.adjustments
    assert adj.rule == "pool_balance" and adj.to_party == "bank"
    assert "falls to the bank" in adj.reason
    gz = Scheme.preset("guangzhou-2023")
    capped = gz.split(
        15_000_000 * CNY,
        loan_principal=20_000_000 * CNY,
        pool_balance=None,
        budget_remaining=1_000_000 * CNY,
    )
    rules = [a.rule for a in capped.adjustments]
    assert rules == ["covered_principal_cap", "annual_budget_cap"]
    assert capped["pool"] == 1_000_000 * CNY
    # 15m x 10/20 = 7.5m eligible: 7.5m of the loss is the bank's outright
    assert capped.adjustments[0].amount == 7_500_000 * CNY
    assert capped.notes[0].startswith("only 10,000,000.00 CNY of the loan's 20,000,000.00 CNY")
    loss_capped = Scheme.from_dict(
        {"name": "x", "shares": {"pool": 5000, "bank": 5000}, "eligible_loss_cap_per_loan": 100}
    ).split(300, loan_principal=1000, pool_balance=None)
    assert loss_capped.as_dict() == {"pool": 50, "bank": 250}
    assert loss_capped.notes[0].startswith("only the first 1.00 CNY")


def test_split_rejects_float_money() -> None:
    scheme = Scheme.preset("zhongshan-2021")
    with pytest.raises(TypeError):
        scheme.split(100.0, loan_principal=1000, pool_balance=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        scheme.split(-1, loan_principal=1000, pool_balance=None)
    with pytest.raises(ValueError):
        scheme.split(1, loan_principal=0, pool_balance=None)


def test_recovery_rules() -> None:
    quanzhou = Scheme.preset("quanzhou-2023")
    paid = quanzhou.split(1_000_000, loan_principal=10**8, pool_balance=None)
    back = quanzhou.split_recovery(100_000, paid=paid)
    assert back == {"pool": 40_000, "bank": 20_000, "guarantor": 35_000, "valuer": 5_000}
    surplus = quanzhou.split_recovery(1_200_000, paid=paid)
    assert surplus["borrower"] == 200_000 and surplus["pool"] == 400_000
    gz = Scheme.preset("guangzhou-2023")
    paid = gz.split(1_000_001, loan_principal=10**8, pool_balance=None)
    back = gz.split_recovery(333_333, paid=paid)
    assert "pool" not in back and back["treasury"] + back["bank"] == 333_333
    assert back.rule == "treasury"
    with pytest.raises(ValueError, match="unknown party"):
        gz.split_recovery(1, paid={"mayor": 1})


def test_riskpool_modules_import_each_other_one_way() -> None:
    """No import cycle inside riskpool (issue 9), counting imports inside functions and
    TYPE_CHECKING blocks too: scheme -> waterfall -> terms, never back."""
    root = Path(riskpool.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        module = ".".join(("riskpool", *path.relative_to(root).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                targets.update(n for n in names if n.startswith("riskpool."))
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("riskpool."))
        graph[module] = targets
    graph = {m: {t for t in ts if t in graph and t != m} for m, ts in graph.items()}
    assert "riskpool.scheme" not in graph["riskpool.waterfall"]
    state: dict[str, int] = {}

    def visit(module: str, path: tuple[str, ...]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            assert state.get(target) != 1, " -> ".join((*path, module, target))
            if target not in state:
                visit(target, (*path, module))
        state[module] = 2

    for module in sorted(graph):
        if module not in state and module != "riskpool":
            visit(module, ())
