"""Weihai, Shenzhen, Anhui, Zhongshan, Quanzhou and Qingdao presets against worked examples
computed by hand from the rules' own words (amounts in CNY times CNY fen)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from riskpool import ClaimContext, Scheme, list_presets
from riskpool.workdays import add_working_days, is_working_day

CNY = 100  # fen per CNY


def split_of(scheme: Scheme, loss: int, principal: int, **kwargs: object) -> dict[str, int]:
    """The non-zero parts of a split (no pool balance limit unless given)."""
    kwargs.setdefault("pool_balance", None)
    result = scheme.split(loss, loan_principal=principal, **kwargs)  # type: ignore[arg-type]
    assert sum(result.values()) == loss
    return {party: fen for party, fen in result.items() if fen}


def enrol(scheme: Scheme, principal: int, **kwargs: int | bool) -> list[str]:
    """Enrolment reasons with neutral defaults."""
    facts: dict[str, int | bool] = {
        "borrower_enrolled_principal": 0,
        "total_enrolled_principal": 0,
        "pool_balance": 0,
        "bank_suspended": False,
    }
    facts.update(kwargs)
    return scheme.check_enrolment(loan_principal=principal, **facts)  # type: ignore[arg-type]


# --- Weihai -----------------------------------------------------------------------------------
WEIHAI = Scheme.preset("weihai")


def test_weihai_city_cap_applies_to_the_city_share_only() -> None:
    """威海市知识产权质押融资风险补偿实施办法 (semilleroventures.com news 1001): 在省级...给予40%
    补偿的基础上, 市级...再给予20%的补偿, 单笔补偿金额第一个业务年度最高不超过100万元, 以后年度...
    最高不超过150万元. The cap is written under the city's 20%."""
    # 10m loan, 8m loss, first year: province 40% = 3,200,000; city 20% = 1,600,000 capped at
    # 1,000,000; bank 40% = 3,200,000 + the 600,000 above the cap = 3,800,000
    assert split_of(WEIHAI, 8_000_000 * CNY, 10_000_000 * CNY) == {
        "province": 3_200_000 * CNY,
        "pool": 1_000_000 * CNY,
        "bank": 3_800_000 * CNY,
    }
    # later years the cap is 1,500,000: bank 3,200,000 + 100,000
    later = ClaimContext(business_year=2)
    assert split_of(WEIHAI, 8_000_000 * CNY, 10_000_000 * CNY, context=later) == {
        "province": 3_200_000 * CNY,
        "pool": 1_500_000 * CNY,
        "bank": 3_300_000 * CNY,
    }
    # 2m loss: 800,000 / 400,000 / 800,000, under the cap
    assert split_of(WEIHAI, 2_000_000 * CNY, 10_000_000 * CNY) == {
        "province": 800_000 * CNY,
        "pool": 400_000 * CNY,
        "bank": 800_000 * CNY,
    }


def test_weihai_combined_loan_counts_only_the_ip_part() -> None:
    """Weihai (semilleroventures.com): 当贷款为"组合贷"时, 只针对知识产权质押贷款的损失部分进行
    风险补偿."""
    # 10m loan, 6m IP-backed, 5m loss: eligible 5,000,000 x 6/10 = 3,000,000; province 40% =
    # 1,200,000; city 20% = 600,000; bank 1,200,000 + 2,000,000 not covered = 3,200,000
    mixed = ClaimContext(ip_backed_principal=6_000_000 * CNY)
    assert split_of(WEIHAI, 5_000_000 * CNY, 10_000_000 * CNY, context=mixed) == {
        "province": 1_200_000 * CNY,
        "pool": 600_000 * CNY,
        "bank": 3_200_000 * CNY,
    }


# China's 2025 National Day + Mid-Autumn break (国办发明电〔2024〕12号): 1-8 October off,
# Sunday 28 September and Saturday 11 October are make-up working days.
HOLIDAYS_2025 = [date(2025, 10, d) for d in range(1, 9)]
MAKEUP_2025 = [date(2025, 9, 28), date(2025, 10, 11)]


def test_weihai_claim_deadline_is_10_working_days_after_confirmation() -> None:
    """Weihai (semilleroventures.com): 经山东省市场监管局(知识产权局)审核认定后, 合作银行需在
    10个工作日内...提出风险补偿申请."""
    assert WEIHAI.claim_deadline_trigger == "loss_confirmed"
    # confirmed Friday 6 June 2025: Mon 9 .. Fri 13 (5), Mon 16 .. Fri 20 (10)
    assert WEIHAI.claim_deadline(date(2025, 6, 6)) == date(2025, 6, 20)
    # confirmed Thursday 25 September 2025, weekends only: 26, 29, 30 Sep, 1, 2, 3, 6, 7, 8,
    # 9 Oct -> 9 October
    assert WEIHAI.claim_deadline(date(2025, 9, 25)) == date(2025, 10, 9)
    # with the holidays: 26 (1), Sun 28 make-up (2), 29 (3), 30 (4), 9 Oct (5), 10 (6),
    # Sat 11 make-up (7), 13 (8), 14 (9), 15 (10) -> 15 October
    assert WEIHAI.claim_deadline(
        date(2025, 9, 25), holidays=HOLIDAYS_2025, makeup_workdays=MAKEUP_2025
    ) == date(2025, 10, 15)


def test_working_days() -> None:
    """Mon-Fri are working days unless listed as holidays; listed make-up days work."""
    assert is_working_day(date(2025, 9, 26)) and not is_working_day(date(2025, 9, 27))
    assert is_working_day(date(2025, 9, 28), makeup_workdays=MAKEUP_2025)
    assert not is_working_day(date(2025, 10, 2), holidays=HOLIDAYS_2025)
    assert add_working_days(date(2025, 6, 6), 0) == date(2025, 6, 6)
    assert add_working_days(date(2025, 6, 7), 1) == date(2025, 6, 9)  # Saturday -> Monday
    with pytest.raises(ValueError):
        add_working_days(date(2025, 6, 6), -1)
    with pytest.raises(ValueError, match="both"):
        add_working_days(
            date(2025, 6, 6), 1, holidays=[date(2025, 6, 9)], makeup_workdays=[date(2025, 6, 9)]
        )


# --- Shenzhen 2018 ----------------------------------------------------------------------------
def test_shenzhen_2018_guarantor_carries_75_and_preset_is_superseded() -> None:
    """深圳市知识产权质押融资担保风险补偿基金 (suplegal.com news 2941): 首期规模3000万元, 十倍杠杆
    (3亿元贷款), 实际风险损失补偿为25%; loans go through a partner guarantor, who carries the rest.
    Superseded (zscq.creditchina.gov.cn 2025-01): merged into the 5bn SME pool, 1:1 with banks."""
    scheme = Scheme.preset("shenzhen-2018")
    # 4m loan, 2m loss: fund 25% = 500,000; guarantor 75% = 1,500,000; bank nothing
    assert split_of(scheme, 2_000_000 * CNY, 4_000_000 * CNY) == {
        "pool": 500_000 * CNY,
        "guarantor": 1_500_000 * CNY,
    }
    assert "1:1" in scheme.superseded_by and "5bn" in scheme.superseded_by
    # 10 x 30m = 300m of loans: 296m enrolled + 4m fits, + 4,000,000.01 does not
    assert (
        enrol(
            scheme,
            4_000_000 * CNY,
            total_enrolled_principal=296_000_000 * CNY,
            pool_balance=30_000_000 * CNY,
        )
        == []
    )
    assert (
        "leverage"
        in enrol(
            scheme,
            4_000_000 * CNY + 1,
            total_enrolled_principal=296_000_000 * CNY,
            pool_balance=30_000_000 * CNY,
        )[0]
    )
    assert [p for p in list_presets() if Scheme.preset(p).superseded_by] == ["shenzhen-2018"]


# --- Anhui 4321 -------------------------------------------------------------------------------
def test_anhui_4321_split_and_borrower_balance_limit() -> None:
    """Anhui "4321" pilot (《财经》 via cdbulang.com news 1781): 单户在保余额2000万元(含)以下的...
    担保机构、再担保机构、银行、政府...承担的比例为4:3:2:1."""
    scheme = Scheme.preset("anhui-4321")
    # 1,000,000 loss: 400,000 / 300,000 / 200,000 / 100,000
    assert split_of(scheme, 1_000_000 * CNY, 5_000_000 * CNY) == {
        "guarantor": 400_000 * CNY,
        "re_guarantor": 300_000 * CNY,
        "bank": 200_000 * CNY,
        "pool": 100_000 * CNY,
    }
    # the limit is the borrower's whole guaranteed balance: 15m + 5m = 20m (含) is in
    assert enrol(scheme, 5_000_000 * CNY, borrower_guaranteed_balance=15_000_000 * CNY) == []
    # 13m + 8m = 21m is out, although the 8m loan alone is far below 20m
    [reason] = enrol(scheme, 8_000_000 * CNY, borrower_guaranteed_balance=13_000_000 * CNY)
    assert reason == (
        "the borrower's guaranteed balance would be 21,000,000.00 CNY, above the scheme's "
        "limit of 20,000,000.00 CNY a borrower"
    )
    assert enrol(scheme, 20_000_000 * CNY) == []


# --- Zhongshan 2021 ---------------------------------------------------------------------------
def test_zhongshan_pays_up_to_its_balance_within_10x_leverage() -> None:
    """Zhongshan (zscq.creditchina.gov.cn 2025-01; zs.gov.cn 2021): 风险补偿基金、银行、保险和
    评估公司按54:26:16:4比例共担损失; pool 70m CNY; loans <= 10 x pool; pays up to its balance."""
    scheme = Scheme.preset("zhongshan-2021")
    # 1m loss: pool owes 540,000 but holds 300,000; bank 260,000 + 240,000
    assert split_of(scheme, 1_000_000 * CNY, 5_000_000 * CNY, pool_balance=300_000 * CNY) == {
        "pool": 300_000 * CNY,
        "bank": 500_000 * CNY,
        "insurer": 160_000 * CNY,
        "valuer": 40_000 * CNY,
    }
    # 10 x 70m = 700m: 695m enrolled + 5m fits; + 5,000,000.01 does not
    balance = 70_000_000 * CNY
    assert (
        enrol(
            scheme,
            5_000_000 * CNY,
            total_enrolled_principal=695_000_000 * CNY,
            pool_balance=balance,
        )
        == []
    )
    assert enrol(
        scheme,
        5_000_000 * CNY + 1,
        total_enrolled_principal=695_000_000 * CNY,
        pool_balance=balance,
    )


# --- Quanzhou 2023 ----------------------------------------------------------------------------
def test_quanzhou_recoveries_return_in_the_same_ratio() -> None:
    """泉市监规〔2023〕8号 (chacewang.com news 423491): pool 40 : guarantor 35 : bank 20 :
    valuer 5, and recoveries go back in the same 40:35:20:5 ratio."""
    scheme = Scheme.preset("quanzhou-2023")
    paid = scheme.split(1_000_000 * CNY, loan_principal=5_000_000 * CNY, pool_balance=None)
    assert paid.as_dict() == {
        "pool": 400_000 * CNY,
        "bank": 200_000 * CNY,
        "guarantor": 350_000 * CNY,
        "valuer": 50_000 * CNY,
    }
    # 200,000 recovered: 80,000 / 40,000 / 70,000 / 10,000 (40:20:35:5)
    assert scheme.split_recovery(200_000 * CNY, paid=paid).as_dict() == {
        "pool": 80_000 * CNY,
        "bank": 40_000 * CNY,
        "guarantor": 70_000 * CNY,
        "valuer": 10_000 * CNY,
    }


# --- Qingdao ----------------------------------------------------------------------------------
def test_qingdao_split_premium_and_subsidies() -> None:
    """Qingdao (qzxia.com zhengcefagui 78): 按照2%的费率投保...一年期单笔最高500万元...保险公司、
    银行和担保公司按照6:2:2的比例共同承担损失; the city pays back 80/60/40% of the premium in
    years 1-3 and half the interest (DOMAIN.md; ipraction.cn 2019-09: 50%的贴息资助)."""
    scheme = Scheme.preset("qingdao")
    # 3m loss: insurer 1,800,000; bank 600,000; guarantor 600,000
    assert split_of(scheme, 3_000_000 * CNY, 5_000_000 * CNY) == {
        "insurer": 1_800_000 * CNY,
        "bank": 600_000 * CNY,
        "guarantor": 600_000 * CNY,
    }
    # 5m loan for a year: premium 2% = 100,000; paid back 80,000 / 60,000 / 40,000 / 0
    premium = scheme.insurance_premium(5_000_000 * CNY, 1)
    assert premium == 100_000 * CNY
    subsidies = [scheme.premium_subsidy(premium, loan_year=y) for y in (1, 2, 3, 4)]
    assert subsidies == [80_000 * CNY, 60_000 * CNY, 40_000 * CNY, 0]
    # 180,000 of interest paid: half = 90,000; odd fen round down (3 fen -> 1 fen)
    assert scheme.interest_subsidy(180_000 * CNY) == 90_000 * CNY
    assert scheme.interest_subsidy(3, years=Decimal(1)) == 1
    assert enrol(scheme, 5_000_000 * CNY + 1)  # larger than 5m: not enrolled
    with pytest.raises(ValueError):
        scheme.premium_subsidy(premium, loan_year=0)


def test_every_preset_names_its_source() -> None:
    """Every shipped preset says which document it follows and where that was published."""
    for name in list_presets():
        source = Scheme.preset(name).source
        assert len(source) > 40 and any(c in source for c in ".《"), name
