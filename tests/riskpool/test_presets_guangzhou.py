"""Guangzhou presets against worked examples computed by hand from the rules' own words.

Amounts are written in CNY and multiplied by CNY (fen per yuan); the arithmetic of each example
is in the comment above it.
"""

from __future__ import annotations

from riskpool import ClaimContext, Scheme

CNY = 100  # fen per CNY
G23 = Scheme.preset("guangzhou-2023")
G25 = Scheme.preset("guangzhou-2025")


def split_of(scheme: Scheme, loss: int, principal: int, **kwargs: object) -> dict[str, int]:
    """The non-zero parts of a split with no pool balance limit."""
    result = scheme.split(loss, loan_principal=principal, pool_balance=None, **kwargs)  # type: ignore[arg-type]
    assert sum(result.values()) == loss
    return {party: fen for party, fen in result.items() if fen}


# --- Guangzhou 2023 ---------------------------------------------------------------------------


def test_guangzhou_2023_covers_only_the_part_of_a_loan_up_to_10m() -> None:
    """Guangzhou IP pledge risk-compensation rules 2023 (广州市知识产权质押融资风险补偿机制管理办法,
    nachuanchina.com, tiandujiancai.com; 南方财经 via shuohk.com): the fund and the bank each
    bear up to 50% of the principal loss on 单笔不良贷款不超过1000万元的部分, so
    compensation = 50% x loss x min(1, 10m / principal)."""
    # 20m loan, 15m loss: 50% x 15,000,000 x 10/20 = 3,750,000; bank 15,000,000 - 3,750,000
    assert split_of(G23, 15_000_000 * CNY, 20_000_000 * CNY) == {
        "pool": 3_750_000 * CNY,
        "bank": 11_250_000 * CNY,
    }
    # 8m loan (under 10m), 8m loss: 50% x 8,000,000 = 4,000,000 each
    assert split_of(G23, 8_000_000 * CNY, 8_000_000 * CNY) == {
        "pool": 4_000_000 * CNY,
        "bank": 4_000_000 * CNY,
    }


def test_guangzhou_2023_split_is_exact_to_the_fen() -> None:
    """Same rule as above, on amounts that do not divide evenly."""
    # 30m loan, loss 100,000,001 fen: covered share 10/30, eligible = floor(100,000,001 / 3)
    # = 33,333,333 fen; half of it is 16,666,666.5 fen, the odd fen goes to the pool (tie
    # broken by the fixed party order, pool first); bank 100,000,001 - 16,666,667.
    assert split_of(G23, 100_000_001, 30_000_000 * CNY) == {
        "pool": 16_666_667,
        "bank": 83_333_334,
    }


def test_guangzhou_2023_borrower_cap_limits_the_covered_part() -> None:
    """Guangzhou 2023: 单一企业累计不超过2000万元的部分 (DOMAIN.md: at most 20m CNY of covered
    principal per borrower a year); the part above is the bank's risk (超过部分风险由银行承担),
    the loan is not rejected."""
    already = ClaimContext(borrower_covered_this_year=15_000_000 * CNY)
    # covered = min(8m, 10m, 20m - 15m) = 5m; eligible = 6,000,000 x 5/8 = 3,750,000;
    # pool 50% = 1,875,000; bank 6,000,000 - 1,875,000 = 4,125,000
    assert G23.covered_principal(8_000_000 * CNY, already) == 5_000_000 * CNY
    assert split_of(G23, 6_000_000 * CNY, 8_000_000 * CNY, context=already) == {
        "pool": 1_875_000 * CNY,
        "bank": 4_125_000 * CNY,
    }
    full = ClaimContext(borrower_covered_this_year=20_000_000 * CNY)
    assert split_of(G23, 6_000_000 * CNY, 8_000_000 * CNY, context=full) == {
        "bank": 6_000_000 * CNY
    }
    # a 15m loan of a borrower with 10m already enrolled is still enrolled
    assert (
        G23.check_enrolment(
            loan_principal=15_000_000 * CNY,
            borrower_enrolled_principal=10_000_000 * CNY,
            total_enrolled_principal=0,
            pool_balance=0,
            bank_suspended=False,
        )
        == []
    )


def test_guangzhou_2023_only_the_ip_part_of_a_mixed_loan_counts() -> None:
    """Guangzhou 2023 (DOMAIN.md; the 2020 rules 穗知规字〔2020〕1号: 对组合质押要明确专利质押的
    贷款额度): for a loan with IP and other collateral only the IP-backed part is covered."""
    # 8m loan, 4m of it IP-backed, 6m loss: eligible 6,000,000 x 4/8 = 3,000,000; pool 1,500,000
    mixed = ClaimContext(ip_backed_principal=4_000_000 * CNY)
    assert split_of(G23, 6_000_000 * CNY, 8_000_000 * CNY, context=mixed) == {
        "pool": 1_500_000 * CNY,
        "bank": 4_500_000 * CNY,
    }
    # 30m loan, 12m IP-backed: covered min(12m, 10m) = 10m; 9,000,000 x 10/30 = 3,000,000
    big = ClaimContext(ip_backed_principal=12_000_000 * CNY)
    assert split_of(G23, 9_000_000 * CNY, 30_000_000 * CNY, context=big) == {
        "pool": 1_500_000 * CNY,
        "bank": 7_500_000 * CNY,
    }


def test_guangzhou_2023_recoveries_go_to_the_treasury() -> None:
    """Guangzhou 2023 (DOMAIN.md: recoveries go back to the treasury): the pool's part of a
    recovery is paid to the treasury, not back into the pool."""
    paid = G23.split(15_000_000 * CNY, loan_principal=20_000_000 * CNY, pool_balance=None)
    # pool paid 3.75m of 15m = 1/4: 1,500,000 x 1/4 = 375,000 to the treasury, 1,125,000 bank
    back = G23.split_recovery(1_500_000 * CNY, paid=paid)
    assert back.as_dict() == {"bank": 1_125_000 * CNY, "treasury": 375_000 * CNY}


def test_guangzhou_2023_annual_budget_of_50m() -> None:
    """Guangzhou 2023: 年度资金补偿总额不超过5000万元 (50m CNY a year, shuohk.com)."""
    used = ClaimContext(budget_used_this_year=49_000_000 * CNY)
    # the pool owes 3,750,000 but only 50m - 49m = 1,000,000 is left this year
    assert split_of(G23, 15_000_000 * CNY, 20_000_000 * CNY, context=used) == {
        "pool": 1_000_000 * CNY,
        "bank": 14_000_000 * CNY,
    }


# --- Guangzhou 2025 ---------------------------------------------------------------------------


def test_guangzhou_2025_tiers_and_bonuses() -> None:
    """穗金管规字〔2025〕1号 (reportify.cn, gz.kjzxfw.com): 40% of the loss on loans <= 5m CNY,
    30% on 5-15m, 20% on 15-30m; +15 points for IP pledge loans; +5 more for loans supported by
    monetary-policy tools; at most 50% in all."""
    cases = [
        # (loan in CNY, IP pledge, relending, pool share in bp)
        (3_000_000, True, False, 5000),  # 40 + 15 = 55 -> 50
        (3_000_000, False, False, 4000),
        (3_000_000, False, True, 4500),  # 40 + 5
        (5_000_000, False, False, 4000),  # 5m itself is in the first tier
        (10_000_000, True, False, 4500),  # 30 + 15
        (10_000_000, True, True, 5000),  # 30 + 15 + 5
        (20_000_000, True, False, 3500),  # 20 + 15
        (20_000_000, True, True, 4000),  # 20 + 15 + 5
        (20_000_000, False, True, 2500),  # 20 + 5
    ]
    for loan, ip, relending, bp in cases:
        assert G25.pool_share_bp(loan * CNY, ip_pledge=ip, relending=relending) == bp, loan
    # 20m IP loan funded by relending, 8m loss: 40% = 3,200,000; bank 4,800,000
    relent = ClaimContext(relending=True)
    assert split_of(G25, 8_000_000 * CNY, 20_000_000 * CNY, context=relent) == {
        "pool": 3_200_000 * CNY,
        "bank": 4_800_000 * CNY,
    }


def test_guangzhou_2025_suspends_compensation_not_enrolment() -> None:
    """穗金管规字〔2025〕1号 (reportify.cn): 单一合作银行年度不良贷款损失超过其当年入库贷款本金总额
    3%时暂缓补偿: the bank's claims wait; its loans can still be enrolled."""
    # enrolled 200m this year: 3% is 6,000,000; exactly 6m is not "above"
    at = ClaimContext(
        bank_losses_this_year=6_000_000 * CNY, bank_enrolled_this_year=200_000_000 * CNY
    )
    over = ClaimContext(
        bank_losses_this_year=6_000_000 * CNY + 1, bank_enrolled_this_year=200_000_000 * CNY
    )
    assert not G25.compensation_suspended(at)
    assert G25.compensation_suspended(over)
    assert (
        G25.check_enrolment(
            loan_principal=3_000_000 * CNY,
            borrower_enrolled_principal=0,
            total_enrolled_principal=0,
            pool_balance=0,
            bank_suspended=True,
        )
        == []
    )
    # a scheme whose suspension stops enrolment never holds claims back
    assert not Scheme.preset("zhongshan-2021").compensation_suspended(over)


def test_guangzhou_2025_annual_budget() -> None:
    """穗金管规字〔2025〕1号 (gz.kjzxfw.com): 每年可补偿额不超过15亿元 (1.5bn CNY a year)."""
    used = ClaimContext(budget_used_this_year=1_499_000_000 * CNY)
    # 10m IP loan, 4m loss: 45% = 1,800,000 owed, 1,000,000 left; bank 2,200,000 + 800,000
    assert split_of(G25, 4_000_000 * CNY, 10_000_000 * CNY, context=used) == {
        "pool": 1_000_000 * CNY,
        "bank": 3_000_000 * CNY,
    }
