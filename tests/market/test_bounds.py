"""Bounded parsing (issue 11): the limits each field states, and the refusals a user reads."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.domain.bounds import (
    MAX_DAYS,
    BoundsError,
    load_json,
    parse_int,
    parse_rate_bp,
    scheme_number_problems,
    strip_controls,
)
from market.domain.money import MAX_FEN, MoneyError, parse_cny
from market.models.pool import SchemeVersion
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import DEMO_SCHEME, setup_pool


@pytest.mark.parametrize(
    "bad", ["1e999999", "nan", "inf", "-inf", "١٢٣", "1e3", "0x10", "1_000", "99999999999999999"]
)
def test_amounts_refuse_non_decimal_text(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_cny(bad)


def test_amount_limit_is_a_trillion_cny() -> None:
    assert parse_cny("1,000,000,000,000") == MAX_FEN == 10**14
    with pytest.raises(MoneyError, match="at most 1,000,000,000,000 CNY"):
        parse_cny("1000000000000.01")


def test_rates_are_basis_points_up_to_36_percent() -> None:
    assert parse_rate_bp("4.35%") == 435
    assert parse_rate_bp("36") == 3600
    for bad in ("36.01", "nan", "1e999999", "-1", "4.355"):
        with pytest.raises(BoundsError):
            parse_rate_bp(bad)


def test_whole_numbers_are_ascii_and_in_range() -> None:
    assert parse_int(" 12 ", low=1, high=360) == 12
    for bad in ("0", "361", "١٢", "9" * 400, "1.0"):
        with pytest.raises(BoundsError, match="from 1 to 360"):
            parse_int(bad, low=1, high=360)


def test_control_characters_go_but_line_breaks_stay() -> None:
    assert strip_controls("a\x00b\x1b[0m\r\n\tc\x7f") == "ab[0m\r\n\tc"


def test_json_is_limited_in_size_depth_and_to_finite_numbers() -> None:
    assert load_json('{"a": [1, 2.5, "]]]]"]}') == {"a": [1, 2.5, "]]]]"]}
    for bad in ("[" * 100_000, '{"a": NaN}', '{"a": 1e999}', '{"a": 1' + "0" * 30 + "}"):
        with pytest.raises(BoundsError):
            load_json(bad)
    with pytest.raises(BoundsError, match="too long"):
        load_json('"' + "x" * 10 + '"', max_chars=5)


def test_scheme_days_and_numbers_have_sensible_ranges() -> None:
    doc = {"claim_deadline_days": 10**30, "tiers": [{"cap": 10**20}], "shares": {"pool": 5000}}
    problems = scheme_number_problems(doc)
    assert set(problems) == {"claim_deadline_days", "tiers[0].cap"}
    assert scheme_number_problems({"claim_deadline_days": MAX_DAYS}) == {}


def test_scheme_page_refuses_a_deadline_of_1e30_days(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    versions = len(session.exec(select(SchemeVersion)).all())
    sign_in(client, world.users["bureau"])
    for days, message in ((10**30, b"is too large"), (10**17, b"from 0 to 3660 days")):
        document = json.dumps({**DEMO_SCHEME, "claim_deadline_days": days})
        response = client.post(
            "/pool/schemes", data={"document": document, "effective_from": "2026-01-05"}
        )
        assert response.status_code == 422
        assert message in response.data
    assert len(session.exec(select(SchemeVersion)).all()) == versions


def test_business_date_at_most_five_years_ahead(client: FlaskClient, world: World) -> None:
    sign_in(client, world.admin)
    response = client.post("/admin/clock", data={"day": "9999-12-31"})
    assert response.status_code in (200, 422)
    assert b"cannot be after" in response.data
    far = date.today().replace(year=date.today().year + 6).isoformat()
    assert b"cannot be after" in client.post("/admin/clock", data={"day": far}).data


def test_nul_in_sign_in_email_is_a_plain_refusal(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "a\x00@b.cn", "password": "x\x00"})
    assert response.status_code == 200
    assert b"Wrong e-mail or password" in response.data


def test_json_body_to_a_form_page_is_415(client: FlaskClient) -> None:
    response = client.post("/login", data="[" * 50_000, content_type="application/json")
    assert response.status_code == 415
