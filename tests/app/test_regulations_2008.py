"""Applications received before 2019-05-15 follow the 2008 Regulations: 15 working days and
the 2008 reply types, offered on the close form and counted in the annual table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry.models import ApplicantType, Kind, Role, Status
from enquiry.reporting.annual import ApplicationFact, build_table
from enquiry.rules import outcomes, outcomes_2008
from tests.app.conftest import english
from tests.app.test_staff_ticket import open_enquiry, page_text, set_fields, snapshot
from tests.app.test_staff_ticket_actions import ticket_of


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


def test_a_2018_application_takes_the_2008_outcomes(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(
        app, kind=Kind.INFO_APPLICATION, applicant_type=ApplicantType.CITIZEN
    )
    set_fields(app, ticket_id, status=Status.ANSWERED, received_on=date(2018, 11, 5))
    staff_login(client, role=Role.SUPERVISOR)
    page = page_text(client.get(f"/staff/tickets/{ticket_id}"))
    assert "不同意公开" in page and "涉及商业秘密" in page and "告知作出更改补充" in page
    assert "属于三类内部事务信息" not in page  # a 2019 reason
    before = snapshot(app, ticket_id)
    wrong = client.post(f"/staff/tickets/{ticket_id}/close", data={"outcome": "disclosed"})
    assert wrong.status_code == 400
    assert snapshot(app, ticket_id) == before
    response = client.post(
        f"/staff/tickets/{ticket_id}/close", data={"outcome": "2008.refused.commercial_secret"}
    )
    assert response.status_code in (302, 303)
    ticket = ticket_of(app, ticket_id)
    assert (ticket.status, ticket.outcome) == (Status.CLOSED, "2008.refused.commercial_secret")


def test_a_2019_application_keeps_the_2019_outcomes(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(
        app, kind=Kind.INFO_APPLICATION, applicant_type=ApplicantType.CITIZEN
    )
    set_fields(app, ticket_id, status=Status.ANSWERED, received_on=date(2019, 5, 15))
    staff_login(client, role=Role.SUPERVISOR)
    page = page_text(client.get(f"/staff/tickets/{ticket_id}"))
    assert "属于三类内部事务信息" in page and "涉及商业秘密" not in page
    refused = client.post(f"/staff/tickets/{ticket_id}/close", data={"outcome": "2008.partial"})
    assert refused.status_code == 400


def test_the_lists_are_chosen_by_receipt_date() -> None:
    assert outcomes_2008.choice_groups_for(date(2019, 5, 14))[0][0] == "（一）同意公开"
    assert outcomes_2008.choice_groups_for(date(2019, 5, 15)) == outcomes.choice_groups()
    assert outcomes_2008.is_valid_for("2008.not_exist", date(2013, 1, 4))
    assert not outcomes_2008.is_valid_for("unavailable.not_held", date(2013, 1, 4))
    assert outcomes_2008.label("2008.refused.privacy") == "（三）不同意公开 · 3.涉及个人隐私"
    for code in outcomes_2008.OUTCOMES:
        assert len(code) <= 40
        assert outcomes.is_valid(outcomes_2008.reported_as(code))


def test_2008_outcomes_are_counted_in_the_2021_template() -> None:
    citizen = ApplicantType.CITIZEN
    facts = [
        ApplicationFact(citizen, date(2019, 3, 1), date(2020, 2, 3), "2008.refused.privacy", "A"),
        ApplicationFact(citizen, date(2019, 3, 1), date(2020, 2, 3), "2008.not_exist", "B"),
        ApplicationFact(citizen, date(2020, 3, 1), date(2020, 3, 9), "refused.third_party", "C"),
    ]
    table = build_table(facts, 2020)
    assert not table.problems
    assert table.row("refused.third_party").cells[-1] == 2
    assert table.row("unavailable.not_held").cells[-1] == 1
    assert table.row("total").cells[-1] == 3


def test_the_api_lists_the_outcomes_by_receipt_date(
    app: Flask, make_user: Callable[..., Any], make_token: Callable[..., str]
) -> None:
    old, _, _ = open_enquiry(app, kind=Kind.INFO_APPLICATION, applicant_type=ApplicantType.CITIZEN)
    new, _, _ = open_enquiry(app, kind=Kind.INFO_APPLICATION, applicant_type=ApplicantType.CITIZEN)
    question, _, _ = open_enquiry(app)
    set_fields(app, old, received_on=date(2018, 11, 5))
    headers = {"Authorization": f"Bearer {make_token(make_user(role=Role.SUPERVISOR))}"}
    client = app.test_client()
    listed = client.get(f"/api/v1/tickets/{old}/outcomes", headers=headers).get_json()
    assert listed["regulations"] == "2008"
    codes = [o["code"] for group in listed["groups"] for o in group["outcomes"]]
    assert codes == list(outcomes_2008.OUTCOMES)
    listed = client.get(f"/api/v1/tickets/{new}/outcomes", headers=headers).get_json()
    assert listed["regulations"] == "2019"
    assert listed["groups"][0]["outcomes"][0]["code"] == "disclosed"
    none = client.get(f"/api/v1/tickets/{question}/outcomes", headers=headers).get_json()
    assert none == {"regulations": None, "groups": []}
    assert client.get("/api/v1/tickets/999999/outcomes", headers=headers).status_code == 404
    assert client.get(f"/api/v1/tickets/{old}/outcomes").status_code == 401
