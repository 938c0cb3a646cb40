"""Registry identifiers: what an SME types is checked like the registries check it."""

from __future__ import annotations

import pytest

from market.domain.identifiers import (
    IdentifierError,
    normalise_patent_number,
    normalise_trademark_number,
    normalise_uscc,
    parse_nice_classes,
    patent_check_char,
)


@pytest.mark.parametrize(
    "code",
    # Published credit codes of well-known companies (business licences are public).
    ["914403001922038216", "9144030071526726XG", "91330100716105852F"],
)
def test_real_credit_codes_are_accepted(code: str) -> None:
    assert normalise_uscc(code.lower()) == code


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("914403001922038217", "check character"),
        ("91440300192203821", "18 characters"),
        ("9144030O1922038216", "cannot appear"),
        ("91AB03001922038216", "region code"),
        ("914403001922038X16", "organisation code"),
    ],
)
def test_bad_credit_codes_say_what_is_wrong(code: str, why: str) -> None:
    with pytest.raises(IdentifierError, match=why):
        normalise_uscc(code)


def test_patent_check_digit_by_hand() -> None:
    # 2 0 2 1 1 0 1 2 3 4 5 6 weighted 2,3,4,5,6,7,8,9,2,3,4,5:
    # 4+0+8+5+6+0+8+18+6+12+20+30 = 117; 117 mod 11 = 7
    assert patent_check_char("202110123456") == "7"
    # remainder 10 is written X
    digits = next(
        f"2020200{n:05d}" for n in range(100000) if patent_check_char(f"2020200{n:05d}") == "X"
    )
    assert normalise_patent_number(digits + ".X").endswith(".X")


@pytest.mark.parametrize(
    "raw", ["ZL202110123456.7", "CN 2021 1 0123456.7", "202110123456.7", "cn2021101234567"]
)
def test_patent_number_spellings_normalise(raw: str) -> None:
    assert normalise_patent_number(raw, "invention_patent") == "CN202110123456.7"


def test_patent_number_errors() -> None:
    with pytest.raises(IdentifierError, match="check digit should be 7"):
        normalise_patent_number("CN202110123456.3")
    with pytest.raises(IdentifierError, match="for invention patents, not utility models"):
        normalise_patent_number("CN202110123456.7", "utility_model")
    with pytest.raises(IdentifierError, match="12 digits"):
        normalise_patent_number("CN2021101234.7")
    digits = "202140123456"
    with pytest.raises(IdentifierError, match="type digit 4"):
        normalise_patent_number(f"{digits}.{patent_check_char(digits)}")


def test_pre_2003_eight_digit_numbers() -> None:
    digits = "98123456"  # 1998, invention
    assert normalise_patent_number(f"ZL{digits}.{patent_check_char(digits)}", "invention_patent")


def test_trademark_numbers() -> None:
    assert normalise_trademark_number(" 第12345678号 ") == "12345678"
    for bad in ("0123", "12a45", "", "1234567890"):
        with pytest.raises(IdentifierError):
            normalise_trademark_number(bad)


def test_nice_classes() -> None:
    assert parse_nice_classes("35, 9；42 9") == (9, 35, 42)
    with pytest.raises(IdentifierError, match="46 does not exist"):
        parse_nice_classes("9, 46")
    with pytest.raises(IdentifierError, match="whole numbers"):
        parse_nice_classes("nine")
    with pytest.raises(IdentifierError, match="at least one"):
        parse_nice_classes("")
