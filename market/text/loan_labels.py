"""Words of the loan page's interest figures: day counts, prepayment choices, rule sources."""

from __future__ import annotations

from market.domain.interest import (
    ALLOCATION_SOURCE,
    PENALTY_SOURCE,
    DayCount,
    PrepayMode,
)
from market.domain.messages import _l
from market.domain.schedule import CLASSIFICATION_SOURCE

DAY_COUNT_LABELS = {
    DayCount.ACTUAL_360: _l("Actual/360 (actual days, 360-day year)"),
    DayCount.THIRTY_360: _l("30E/360 (30-day months, 360-day year)"),
}

PREPAY_MODE_LABELS = {
    PrepayMode.KEEP_TERM: _l("the term (lower instalments)"),
    PrepayMode.KEEP_INSTALMENT: _l("the instalment (fewer of them, shorter term)"),
}

LOAN_RULE_LABELS = {
    "day_count_labels": DAY_COUNT_LABELS,
    "prepay_mode_labels": PREPAY_MODE_LABELS,
    "penalty_source": PENALTY_SOURCE,
    "allocation_source": ALLOCATION_SOURCE,
    "classification_source": CLASSIFICATION_SOURCE,
}
