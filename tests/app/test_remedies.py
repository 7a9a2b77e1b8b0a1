"""行政复议 / 行政诉讼 on the ticket page, and table 四 beside table 三 (HTML, CSV, XLSX)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    Channel,
    Department,
    Kind,
    Remedy,
    RemedyResult,
    Role,
    Status,
    Ticket,
    utcnow,
)
from enquiry.rules.clock import beijing_today
from tests.app.conftest import english

YEAR = 2024


@pytest.fixture
def application(make_ticket: Callable[..., Any]) -> Any:
    return make_ticket(kind=Kind.INFO_APPLICATION, received_on=date(2024, 2, 1))


def remedies(app: Flask) -> list[Remedy]:
    with app.app_context():
        rows = list(db.session.scalars(select(Remedy).order_by(Remedy.id)))
        db.session.expunge_all()
        return rows


def open_application(app: Flask) -> int:
    """An application in the default department, received on 2 January of this year."""
    today = beijing_today(utcnow())
    with app.app_context():
        department = db.session.scalars(select(Department).filter_by(is_default=True)).one()
        ticket = Ticket(
            reference=f"WLMQ-{today.year}-900001", kind=Kind.INFO_APPLICATION,
            status=Status.IN_PROGRESS, channel=Channel.WEB, department_id=department.id,
            subject="申请公开征地补偿方案", citizen_name="阿依古丽·买买提",
            citizen_email="ayguli@example.test", access_code_hash="0" * 64,
            received_on=date(today.year, 1, 2), applicant_type=ApplicantType.CITIZEN,
        )  # fmt: skip
        db.session.add(ticket)
        db.session.commit()
        return ticket.id


def add(client: FlaskClient, ticket_id: int, **fields: str) -> Any:
    data = {"remedy-kind": "review", "remedy-filed_on": "2024-03-01", "remedy-body": "市人民政府"}
    data.update({f"remedy-{k}": v for k, v in fields.items()})
    return client.post(f"/staff/tickets/{ticket_id}/remedies", data=data)


def test_agent_records_a_review_and_its_result(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    application: Any,
    audit_actions: Callable[[], list[str]],
) -> None:
    staff_login(english(client), role=Role.AGENT)
    page = client.get(f"/staff/tickets/{application.id}").get_data(as_text=True)
    assert 'id="remedies"' in page and "Record a review or lawsuit" in page
    response = add(client, application.id)
    assert response.status_code == 303 and response.headers["Location"].endswith("#remedies")
    [review] = remedies(app)
    assert (review.kind.value, review.body, review.after_review) == ("review", "市人民政府", None)
    assert review.result is RemedyResult.PENDING
    done = client.post(
        f"/staff/tickets/{application.id}/remedies/{review.id}",
        data={
            "result-result": "corrected",
            "result-concluded_on": "2024-05-20",
        },
    )
    assert done.status_code == 303
    [review] = remedies(app)
    assert (review.result, review.concluded_on) == (RemedyResult.CORRECTED, date(2024, 5, 20))
    assert audit_actions()[-2:] == ["ticket.remedy_recorded", "ticket.remedy_result_set"]
    page = client.get(f"/staff/tickets/{application.id}").get_data(as_text=True)
    assert "Corrected (结果纠正)" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "lawsuit"}, "Say whether the lawsuit followed a review."),
        ({"route": "direct"}, "Only a lawsuit has a route."),
        ({"body": "  "}, "This field is required."),
        ({"filed_on": "2024-01-15"}, "before the application was received"),
        ({"filed_on": "2999-01-01"}, "cannot be in the future"),
        ({"filed_on": "not a date"}, "Not a valid date value."),
        ({"kind": "appeal"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_refused_with_400_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    application: Any,
    fields: dict[str, str],
    message: str,
) -> None:
    staff_login(english(client), role=Role.AGENT)
    response = add(client, application.id, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert remedies(app) == []


def test_result_needs_a_date_and_pending_has_none(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], application: Any
) -> None:
    staff_login(english(client), role=Role.AGENT)
    add(client, application.id, kind="lawsuit", route="after_review", body="某区人民法院")
    [suit] = remedies(app)
    url = f"/staff/tickets/{application.id}/remedies/{suit.id}"
    key = "result"
    no_date = client.post(url, data={f"{key}-result": "upheld"})
    assert no_date.status_code == 400 and "Give the date" in no_date.get_data(as_text=True)
    dated_pending = client.post(
        url, data={f"{key}-result": "pending", f"{key}-concluded_on": "2024-04-01"}
    )
    assert dated_pending.status_code == 400
    early = client.post(url, data={f"{key}-result": "upheld", f"{key}-concluded_on": "2024-02-01"})
    assert early.status_code == 400
    assert remedies(app)[0].result is RemedyResult.PENDING
    assert (
        client.post(f"/staff/tickets/{application.id}/remedies/99999", data={}).status_code == 404
    )


def test_only_applications_have_reviews_and_other_departments_see_nothing(
    client: FlaskClient,
    staff_login: Callable[..., Any],
    make_ticket: Callable[..., Any],
    make_department: Callable[..., Any],
) -> None:
    question = make_ticket(kind=Kind.QUESTION)
    make_department("housing")
    theirs = make_ticket(kind=Kind.INFO_APPLICATION, department="housing")
    staff_login(english(client), role=Role.AGENT)
    assert 'id="remedies"' not in client.get(f"/staff/tickets/{question.id}").get_data(as_text=True)
    refused = add(client, question.id)
    assert refused.status_code == 400 and "Only applications" in refused.get_data(as_text=True)
    assert add(client, theirs.id).status_code == 404


def seed(app: Flask, make_ticket: Callable[..., Any]) -> None:
    ticket = make_ticket(kind=Kind.INFO_APPLICATION, received_on=date(2023, 6, 1))
    rows = [
        ("review", None, date(2024, 1, 10), "upheld", date(2024, 3, 1)),
        ("review", None, date(2024, 6, 10), "pending", None),
        ("lawsuit", False, date(2024, 2, 10), "other", date(2024, 8, 1)),
        ("lawsuit", True, date(2024, 9, 10), "corrected", date(2024, 11, 1)),
        ("lawsuit", True, date(2024, 10, 10), "pending", None),
    ]
    with app.app_context():
        for kind, route, filed, result, concluded in rows:
            db.session.add(
                Remedy(
                    ticket_id=ticket.id, kind=kind, after_review=route, filed_on=filed,
                    body="复议机关", result=result, concluded_on=concluded,
                )
            )  # fmt: skip
        db.session.commit()


EXPECTED = ["1", "0", "0", "1", "2", "0", "0", "1", "0", "1", "0", "1", "0", "1", "2"]


def test_table_four_beside_table_three_in_html_csv_and_xlsx(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], make_ticket: Any
) -> None:
    seed(app, make_ticket)
    staff_login(english(client), role=Role.SUPERVISOR)
    html = client.get(f"/staff/reports/annual/{YEAR}").get_data(as_text=True)
    assert "四、政府信息公开行政复议、行政诉讼情况" in html and "table4-check-passed" in html
    title = html.split("<title>")[1].split("</title>")[0]
    assert "<" not in title and html.count("table4-check-passed") == 1
    cells = [html.split(f'data-cell4="{i}">')[1].split("<")[0] for i in range(15)]
    assert cells == EXPECTED
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/staff/reports/annual/{YEAR}/table4.csv").data.decode("utf-8-sig")
            )
        )
    )
    assert rows[0][0] == "行政复议" and rows[0][5] == "行政诉讼" and rows[1][10] == "复议后起诉"
    assert rows[2][:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert rows[3] == EXPECTED
    assert rows[4][4] == rows[4][9] == rows[4][14] == "通过"
    book = load_workbook(io.BytesIO(client.get(f"/staff/reports/annual/{YEAR}/table4.xlsx").data))
    sheet = book["表四"]
    assert [str(sheet.cell(row=5, column=c).value) for c in range(1, 16)] == EXPECTED
    assert sheet["A2"].value == "行政复议" and sheet["F2"].value == "行政诉讼"


@pytest.mark.parametrize(
    "path",
    [
        f"/staff/reports/annual/{YEAR}/table4.csv",
        f"/staff/reports/annual/{YEAR}/table4.xlsx",
        f"/staff/reports/annual/{YEAR}/draft",
        f"/staff/reports/annual/{YEAR}/draft.docx",
    ],
)
def test_agents_may_not_see_table_four_or_the_draft(
    client: FlaskClient, staff_login: Callable[..., Any], path: str
) -> None:
    assert client.get(path).status_code == 302  # signed out: to the login page
    staff_login(client, role=Role.AGENT)
    assert client.get(path).status_code == 403


def test_years_outside_the_regulations_are_not_found(
    client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.ADMIN)
    assert client.get("/staff/reports/annual/2007/table4.csv").status_code == 404
    assert client.get("/staff/reports/annual/2999/draft").status_code == 404


def test_the_new_forms_carry_and_need_their_csrf_token(make_app: Callable[..., Flask]) -> None:
    from enquiry.domain.accounts.passwords import create_user
    from enquiry.models import AuditEvent
    from tests.app.conftest import DEFAULT_PASSWORD
    from tests.app.test_admin_rules import sign_in
    from tests.app.test_ask import add_default_department
    from tests.conftest import hidden_fields

    app = make_app(WTF_CSRF_ENABLED=True)
    add_default_department(app)
    with app.app_context():
        department = db.session.scalars(select(Department)).one()
        create_user(
            db.session, email="chief@example.com", display_name="Chief",
            password=DEFAULT_PASSWORD, role=Role.SUPERVISOR, department=department,
        )  # fmt: skip
        db.session.commit()
    client = english(app.test_client())
    sign_in(client, "chief@example.com")
    ticket_id = open_application(app)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    tokens = hidden_fields(page)
    filed = date(beijing_today(utcnow()).year, 1, 5).isoformat()
    data = {"remedy-kind": "review", "remedy-filed_on": filed, "remedy-body": "市人民政府"}
    url = f"/staff/tickets/{ticket_id}/remedies"
    assert client.post(url, data=data).status_code == 400
    assert remedies(app) == []
    assert (
        client.post(url, data=data | {"remedy-csrf_token": tokens["remedy-csrf_token"]}).status_code
        == 303
    )
    evidence = f"/staff/tickets/{ticket_id}/evidence.zip"
    assert client.post(evidence).status_code == 400
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action)))
    assert "ticket.evidence_exported" not in actions
    assert client.post(evidence, data={"csrf_token": tokens["csrf_token"]}).status_code == 200
