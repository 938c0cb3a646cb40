"""The notes on a claim's split (riskpool's reasons for each cap) in the reader's language.

Worked by hand: a 1,000,000 CNY loan, 800,000 CNY lost, shares pool 50% / bank 50%, covered
principal capped at 500,000 CNY, eligible loss capped at 300,000 CNY, pool balance 100,000 CNY.
Covered part: 800,000 x 500,000 / 1,000,000 = 400,000 (400,000 stays with the bank); only the
first 300,000 is shared (100,000 more stays with the bank); the pool's half is 150,000 but its
balance is 100,000, so 50,000 falls to the bank.
"""

from __future__ import annotations

from flask import Flask

from market.text.split_text import localise_split_note
from riskpool import Scheme
from riskpool.waterfall import split


def _notes() -> list[str]:
    scheme = Scheme.from_dict(
        {
            "name": "t",
            "shares": {"pool": 5000, "bank": 5000},
            "covered_principal_cap_per_loan": 500_000_00,
            "eligible_loss_cap_per_loan": 300_000_00,
        }
    )
    return split(scheme, 800_000_00, loan_principal=1_000_000_00, pool_balance=100_000_00).notes


def test_split_notes_read_in_english_and_chinese(app: Flask) -> None:
    notes = _notes()
    assert len(notes) == 3
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = [localise_split_note(n) for n in notes]
    assert english == [
        "Only ¥500,000.00 of the loan's ¥1,000,000.00 is covered (the scheme's cap on the "
        "covered part of a loan); ¥400,000.00 of the loss stays with the bank.",
        "Only the first ¥300,000.00 of a loan's loss is shared; ¥100,000.00 stays with the bank.",
        "The pool pays at most ¥100,000.00 (its balance); ¥50,000.00 falls to the Lending bank.",
    ]
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        chinese = [localise_split_note(n) for n in notes]
    assert chinese == [
        "贷款 ¥1,000,000.00 中仅 ¥500,000.00 纳入补偿范围（方案对单笔贷款补偿部分的上限）；"
        "损失中的 ¥400,000.00 由银行承担。",
        "单笔贷款损失仅前 ¥300,000.00 参与分担；¥100,000.00 由银行承担。",
        "资金池最多支付 ¥100,000.00（资金池余额）；¥50,000.00 由贷款银行承担。",
    ]


def test_an_unknown_note_is_shown_as_stored(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert localise_split_note("a note from an older version") == "a note from an older version"
