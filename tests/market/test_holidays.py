"""Working-day deadlines by China's public-holiday calendar: 2026 built in from the State
Council's notice, later years entered by the administrator, a missing year refused.

2026 (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04): Spring Festival 15-23 Feb off,
Sat 14 Feb and Sat 28 Feb worked; National Day 1-7 Oct off, Sun 20 Sep and Sat 10 Oct worked.
Weihai counts 10 working days after the provincial bureau confirms the loss.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from market.domain.errors import PermissionDenied, ValidationFailed
from market.models.audit import AuditEvent
from market.models.calendar import HolidayYear
from market.models.pool import Claim
from market.services import claim_decision, holiday_calendar
from market.services.holiday_calendar import CalendarMissing, add_working_days_known
from riskpool.presets import preset_data
from tests.market.conftest import World, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import make_loan, set_day, setup_pool

TEST_2027 = {"holidays_text": "2027-01-01", "makeup_text": "",
             "source": "Test calendar: only New Year's Day"}


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Tue 10 Feb: 11, 12, 13, Sat 14 (4), [15-23 off], 24, 25, 26, 27, Sat 28 (9), Mon 2 Mar.
        (date(2026, 2, 10), date(2026, 3, 2)),
        # Fri 13 Feb, the last working day before: Sat 14 (1), 24-27 (5), Sat 28 (6), 2-5 Mar.
        (date(2026, 2, 13), date(2026, 3, 5)),
        # Mon 23 Feb, the last day off: 24-27 (4), Sat 28 (5), 2-6 Mar (10).
        (date(2026, 2, 23), date(2026, 3, 6)),
        # Wed 30 Sep: [1-7 Oct off], 8, 9, Sat 10 (3), 12-16 (8), 19, 20 Oct (10).
        (date(2026, 9, 30), date(2026, 10, 20)),
    ],
)
def test_2026_deadlines_skip_the_holidays_and_count_make_up_days(
    session: Session, start: date, expected: date
) -> None:
    assert add_working_days_known(session, start, 10) == expected


def test_a_deadline_reaching_a_year_without_a_calendar_is_refused_until_it_is_entered(
    session: Session, world: World
) -> None:
    # From Sun 20 Dec 2026: 21-25 (5), 28-31 (9), then 2027, which has no calendar yet.
    with pytest.raises(CalendarMissing) as refused:
        add_working_days_known(session, date(2026, 12, 20), 10)
    assert "2027" in refused.value.message
    # Nine working days stay within 2026 and are counted.
    assert add_working_days_known(session, date(2026, 12, 20), 9) == date(2026, 12, 31)
    holiday_calendar.save_year(session, actor=world.admin, year=2027, **TEST_2027)
    # With 1 Jan 2027 (a Friday) off, the tenth working day is Mon 4 Jan; 2 Jan is a Saturday.
    assert add_working_days_known(session, date(2026, 12, 20), 10) == date(2027, 1, 4)
    assert add_working_days_known(session, date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_working_days_known(session, date(2026, 12, 30), 1) == date(2026, 12, 31)


def test_a_weihai_claim_is_refused_while_the_year_is_missing_then_filed(
    session: Session, world: World
) -> None:
    setup_pool(session, world, document=preset_data("weihai"))
    loan = make_loan(session, world)
    set_day(session, date(2026, 12, 21))  # a Monday; the loan is long past due
    with pytest.raises(CalendarMissing):
        claim_decision.file_claim(
            session, actor=world.users["bank_officer"], loan_id=loan.id or 0,
            loss_confirmed_on=date(2026, 12, 21),
        )
    assert session.exec(select(func.count()).select_from(Claim)).one() == 0
    holiday_calendar.save_year(session, actor=world.admin, year=2027, **TEST_2027)
    claim = claim_decision.file_claim(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0,
        loss_confirmed_on=date(2026, 12, 21),
    )
    # 22-24 Dec... : 22, 23, 24, 25 (4), 28-31 (8), [1 Jan off], Mon 4 (9), Tue 5 Jan (10).
    assert claim.deadline_on == date(2027, 1, 5)


def test_only_the_administrator_enters_a_year_checked_audited_and_once(
    session: Session, world: World
) -> None:
    with pytest.raises(PermissionDenied):
        holiday_calendar.save_year(session, actor=world.users["bureau"], year=2027, **TEST_2027)
    bad = [
        ({"year": 2026}, "year"),  # built in from the notice
        ({"holidays_text": "2027-01-01 2028-01-01"}, "holidays"),  # not in 2027
        ({"holidays_text": "2027-13-01"}, "holidays"),
        ({"holidays_text": ""}, "holidays"),
        ({"makeup_text": "2027-01-01"}, "makeup_workdays"),  # both off and worked
        ({"source": " "}, "source"),
    ]
    for change, name in bad:
        values = {"year": 2027, **TEST_2027, **change}
        with pytest.raises(ValidationFailed) as refused:
            holiday_calendar.save_year(session, actor=world.admin, **values)  # type: ignore[arg-type]
        assert name in refused.value.errors
    assert session.exec(select(func.count()).select_from(HolidayYear)).one() == 0
    assert holiday_calendar.save_year(session, actor=world.admin, year=2027, **TEST_2027)
    assert holiday_calendar.save_year(session, actor=world.admin, year=2027, **TEST_2027) is None
    events = session.exec(
        select(AuditEvent).where(col(AuditEvent.action) == "calendar.holidays")
    ).all()
    assert len(events) == 1 and events[0].actor_id == world.admin.id


def test_the_holidays_page_in_both_languages(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, world.users["bureau"])
    assert client.get("/admin/holidays").status_code == 403
    sign_in(client, world.admin)
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert "国务院办公厅关于2026年部分节假日安排的通知" in page and "built in" in page
    answer = client.post("/admin/holidays", data={"year": "2027", "holidays": "2027-02-30",
                                                  "source": "x"})
    assert answer.status_code == 422 and "is not a date" in answer.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(HolidayYear)).one() == 0
    answer = client.post("/admin/holidays", data={"year": "2027", "holidays": "2027-01-01",
                                                  "source": "Test calendar"})
    assert answer.status_code == 302
    assert session.exec(select(HolidayYear.year)).one() == 2027
    zh = client.get("/admin/holidays", headers={"Accept-Language": "zh-CN"})
    text = zh.get_data(as_text=True)
    assert "法定节假日" in text and "调休上班" in text


def test_a_refused_claim_is_explained_on_the_loan_page_keeping_the_note(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Issue 16: a refused action explains itself on the page the user was on, keeping what
    was typed (here the 2027 calendar is missing, so the Weihai deadline cannot be counted)."""
    setup_pool(session, world, document=preset_data("weihai"))
    loan = make_loan(session, world)
    set_day(session, date(2026, 12, 21))
    sign_in(client, world.users["bank_officer"])
    response = client.post(
        f"/loans/{loan.id}/claim",
        data=keyed({"note": "Borrower stopped paying in October",
                    "loss_confirmed_on": "2026-12-21"}),
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "2027" in html and "Borrower stopped paying in October" in html
    assert "File a compensation claim" in html  # the loan page, not a bare error page
    assert session.exec(select(func.count()).select_from(Claim)).one() == 0
