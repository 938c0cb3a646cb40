"""Legal terms and money: the two places where an off-by-one costs real money."""

from __future__ import annotations

from datetime import date

import pytest

from market.domain.ipterms import derived_expiry
from market.domain.kinds import AssetKind
from market.domain.money import MoneyError, format_fen, parse_cny


@pytest.mark.parametrize(
    ("kind", "filed", "expires"),
    [
        (AssetKind.INVENTION_PATENT, date(2015, 3, 14), date(2035, 3, 13)),
        (AssetKind.UTILITY_MODEL, date(2015, 3, 14), date(2025, 3, 13)),
        (AssetKind.DESIGN_PATENT, date(2021, 5, 31), date(2031, 5, 30)),  # old law: 10 years
        (AssetKind.DESIGN_PATENT, date(2021, 6, 1), date(2036, 5, 31)),  # 4th amendment: 15
        (AssetKind.INVENTION_PATENT, date(2016, 2, 29), date(2036, 2, 28)),
    ],
)
def test_patent_terms_run_from_filing(kind: AssetKind, filed: date, expires: date) -> None:
    assert derived_expiry(kind, filing_date=filed, grant_date=None) == expires


def test_mark_terms_run_from_registration_and_renew_by_ten_years() -> None:
    registered = date(2012, 9, 7)
    assert derived_expiry(
        AssetKind.TRADEMARK, filing_date=date(2011, 9, 1), grant_date=registered
    ) == date(2022, 9, 6)
    assert derived_expiry(
        AssetKind.GI_MARK, filing_date=date(2011, 9, 1), grant_date=registered, renewals=1
    ) == date(2032, 9, 6)
    assert (
        derived_expiry(AssetKind.TRADEMARK, filing_date=date(2011, 9, 1), grant_date=None) is None
    )


def test_parse_cny_is_exact() -> None:
    assert parse_cny("1,234.50") == 123450
    assert parse_cny("¥0.01") == 1
    assert parse_cny("12000000") == 1_200_000_000
    # 0.1 + 0.2 in float is 0.30000000000000004; Decimal keeps fen exact
    assert parse_cny("0.3") == 30


@pytest.mark.parametrize("bad", ["-1", "1.234", "abc", "NaN", "inf", "1e20"])
def test_parse_cny_rejects(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_cny(bad)


def test_format_fen() -> None:
    assert format_fen(123450) == "¥1,234.50"
    assert format_fen(-5) == "-¥0.05"
    assert format_fen(None) == "—"
