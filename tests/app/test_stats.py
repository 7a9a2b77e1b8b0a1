"""Outcomes on closing, table 三 from the database (HTML, CSV, XLSX), and the dashboard."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import handling
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType as A,
)
from enquiry.models import (
    AuditEvent,
    Channel,
    Kind,
    Message,
    MessageKind,
    Rating,
    Role,
    SatisfactionRating,
    Status,
    Ticket,
)
from enquiry.reporting import annual
from enquiry.reporting import figures as stats
from enquiry.reporting.mailbox import TicketTimes, summarise
from enquiry.rules import deadlines, outcomes
from tests.app.conftest import english
from tests.unit.test_annual import EXPECTED, ZERO

YEAR = 2024
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def beijing(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An aware moment given in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=deadlines.BEIJING)


@pytest.fixture
def application(make_ticket: Callable[..., Any]) -> Callable[..., Any]:
    """Make an information application received on a day, concluded at a moment (or open)."""

    def factory(
        applicant: A,
        received: date,
        closed_at: datetime | None = None,
        outcome: str | None = None,
        **overrides: Any,
    ) -> Any:
        fields: dict[str, Any] = {
            "kind": Kind.INFO_APPLICATION,
            "applicant_type": applicant,
            "received_on": received,
            "created_at": datetime(received.year, received.month, received.day, 4, tzinfo=UTC),
            "status": Status.CLOSED if closed_at else Status.IN_PROGRESS,
            "closed_at": closed_at,
            "outcome": outcome,
        }
        return make_ticket(**(fields | overrides))

    return factory


@pytest.fixture
def seeded(
    application: Callable[..., Any], make_department: Callable[..., Any], make_ticket: Any
) -> int:
    """The data set of tests/unit/test_annual.py, in the database; returns housing's id."""
    housing = make_department("housing")
    # Concluded at 00:30 on 1 January 2024 in Beijing: still 2023 in UTC, 2024 for the report.
    application(
        A.CITIZEN, date(2023, 11, 10), datetime(2023, 12, 31, 16, 30, tzinfo=UTC), "disclosed"
    )
    application(A.CITIZEN, date(2023, 12, 20))
    application(A.BUSINESS, date(2023, 12, 28), beijing(2024, 2, 1), "refused.third_party")
    application(A.CITIZEN, date(2023, 5, 1), beijing(2023, 6, 1), "disclosed")
    application(A.CITIZEN, date(2024, 3, 1), beijing(2024, 3, 20), "disclosed")
    application(A.CITIZEN, date(2024, 4, 1), beijing(2024, 4, 25), "partial")
    application(
        A.RESEARCH,
        date(2024, 5, 5),
        beijing(2024, 5, 30),
        "unavailable.not_held",
        department=housing.id,
    )
    application(A.LEGAL_SERVICES, date(2024, 6, 1), beijing(2024, 6, 10), "not_processed.repeated")
    application(A.CITIZEN, date(2024, 7, 1), beijing(2024, 7, 31), "other.no_correction")
    # 23:30 on 31 December in Beijing (15:30 UTC): concluded in 2024.
    application(A.BUSINESS, date(2024, 8, 1), beijing(2024, 12, 31, 23, 30), "refused.state_secret")
    # 00:30 on 1 January 2025 in Beijing (still 31 December in UTC): carried into 2025.
    application(A.PUBLIC_INTEREST, date(2024, 12, 20), beijing(2025, 1, 1, 0, 30), "disclosed")
    application(A.OTHER_ORGANISATION, date(2024, 12, 30), department=housing.id)
    application(A.CITIZEN, date(2025, 1, 5), beijing(2025, 1, 20), "disclosed")
    # Neither spam nor duplicates nor other kinds of enquiry count.
    application(A.CITIZEN, date(2024, 3, 3), status=Status.SPAM)
    application(A.BUSINESS, date(2024, 3, 4), status=Status.MERGED)
    make_ticket(kind=Kind.QUESTION, received_on=date(2024, 3, 5))
    return int(housing.id)


def cells(table: annual.AnnualTable) -> dict[str, tuple[int, ...]]:
    return {row.key: row.cells for row in table.rows}


def expected_cells() -> dict[str, tuple[int, ...]]:
    return {
        key: EXPECTED.get(key, ZERO)
        for key in ["new", "carried_in", *outcomes.OUTCOMES, "total", "carried_out"]
    }


# Closing an information application


@pytest.fixture
def answered(
    app: Flask, make_ticket: Callable[..., Any], make_user: Callable[..., Any]
) -> Callable[[Kind], tuple[Ticket, audit.Actor]]:
    """Make an answered ticket of a kind; return it (in the test's session) and an actor."""
    agent = make_user(role=Role.AGENT)

    def factory(kind: Kind) -> tuple[Ticket, audit.Actor]:
        ticket = db.session.get(Ticket, make_ticket(kind=kind, status=Status.ANSWERED).id)
        assert ticket is not None
        return ticket, audit.Actor.staff(agent)

    return factory


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context(), app.test_request_context():
        yield app


def audit_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("outcome", [None, "", "refused", "no-such-outcome"])
def test_closing_an_application_needs_a_valid_outcome(
    ctx: Flask, answered: Callable[[Kind], tuple[Ticket, audit.Actor]], outcome: str | None
) -> None:
    ticket, actor = answered(Kind.INFO_APPLICATION)
    before = audit_count()
    with pytest.raises(handling.HandlingError, match="outcome"):
        handling.close(db.session, ticket, actor=actor, now=NOW, outcome=outcome)
    assert (ticket.status, ticket.closed_at, ticket.outcome) == (Status.ANSWERED, None, None)
    assert audit_count() == before


def test_closing_an_application_stores_its_outcome(
    ctx: Flask, answered: Callable[[Kind], tuple[Ticket, audit.Actor]]
) -> None:
    ticket, actor = answered(Kind.INFO_APPLICATION)
    handling.close(db.session, ticket, actor=actor, now=NOW, outcome="refused.third_party")
    db.session.commit()
    stored = db.session.get(Ticket, ticket.id)
    assert stored is not None
    assert (stored.status, stored.closed_at, stored.outcome) == (
        Status.CLOSED,
        NOW,
        "refused.third_party",
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.close"))
    assert event is not None and event.detail["outcome"] == "refused.third_party"


def test_other_enquiries_close_without_an_outcome(
    ctx: Flask, answered: Callable[[Kind], tuple[Ticket, audit.Actor]]
) -> None:
    ticket, actor = answered(Kind.QUESTION)
    with pytest.raises(handling.HandlingError):
        handling.close(db.session, ticket, actor=actor, now=NOW, outcome="disclosed")
    assert ticket.status is Status.ANSWERED
    handling.close(db.session, ticket, actor=actor, now=NOW, outcome="")
    assert (ticket.status, ticket.outcome) == (Status.CLOSED, None)


# Table 三


def test_annual_table_from_the_database(app: Flask, seeded: int) -> None:
    with app.app_context():
        table = stats.annual_table(db.session, YEAR)
        assert cells(table) == expected_cells()
        assert annual.check(table) == []
        assert table.problems == ()
        housing = stats.annual_table(db.session, YEAR, department_id=seeded)
        assert housing.row("new").cells == (0, 0, 1, 0, 0, 1, 2)
        assert housing.row("unavailable.not_held").cells == (0, 0, 1, 0, 0, 0, 1)
        assert housing.row("carried_out").cells == (0, 0, 0, 0, 0, 1, 1)
        assert annual.check(housing) == []
        # The next year starts from this one's carry-over.
        following = stats.annual_table(db.session, YEAR + 1)
        assert following.row("carried_in").cells == table.row("carried_out").cells


def html_cells(html: str) -> dict[str, tuple[int, ...]]:
    found = dict(re.findall(r'data-cell="([^"]+)">(\d+)<', html))
    keys = [c.key for c in annual.COLUMNS]
    rows = {key.split(":")[0] for key in found}
    return {row: tuple(int(found[f"{row}:{k}"]) for k in keys) for row in rows}


def test_annual_page_is_laid_out_like_the_template(
    app: Flask, client: FlaskClient, seeded: int, staff_login: Callable[..., Any]
) -> None:
    staff_login(english(client), role=Role.ADMIN)
    response = client.get(f"/staff/reports/annual/{YEAR}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html_cells(html) == expected_cells()
    assert "annual-check-passed" in html and "annual-check-failed" not in html
    assert html.count('class="text-end check-ok"') == 7
    assert 'rowspan="22"' in html and "三、本年度办理结果" in html
    assert (
        '<th scope="row" rowspan="8" class="annual-label annual-level-1">（三）不予公开</th>'
        in html
    )
    for label in [
        "申请人情况",
        "法人或其他组织",
        "自然人",
        "法律服务机构",
        "四、结转下年度继续办理",
    ]:
        assert label in html
    assert " style=" not in html


def test_broken_data_fails_the_check_and_names_the_column(
    app: Flask,
    client: FlaskClient,
    seeded: int,
    application: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    # Closed before outcomes were required: counted as received, never as concluded.
    application(
        A.BUSINESS, date(2024, 2, 1), beijing(2024, 3, 1), None, reference="WLMQ-2024-000777"
    )
    with app.app_context():
        assert [c.label for c in annual.check(stats.annual_table(db.session, YEAR))] == [
            "商业企业",
            "总计",
        ]
    staff_login(english(client), role=Role.ADMIN)
    html = client.get(f"/staff/reports/annual/{YEAR}").get_data(as_text=True)
    assert "annual-check-failed" in html
    assert "fails in these columns: 商业企业、总计" in html
    assert (
        'data-check="business">' in html
        and "WLMQ-2024-000777: concluded without an outcome" in html
    )


def test_csv_download(
    app: Flask, client: FlaskClient, seeded: int, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.ADMIN)
    response = client.get(f"/staff/reports/annual/{YEAR}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, once
    assert f"table3-{YEAR}.csv" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "分项",
        "类别",
        "细目",
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    assert rows[1] == [
        "一、本年新收政府信息公开申请数量",
        "",
        "",
        "3",
        "1",
        "1",
        "1",
        "1",
        "1",
        "8",
    ]
    assert rows[5] == [
        "三、本年度办理结果",
        "（三）不予公开",
        "1.属于国家秘密",
        "0",
        "1",
        "0",
        "0",
        "0",
        "0",
        "1",
    ]
    keyed = [row.key for row in stats_rows()]
    assert {
        key: tuple(int(v) for v in row[3:]) for key, row in zip(keyed, rows[1:-1], strict=True)
    } == expected_cells()
    assert rows[-1] == ["勾稽关系（一+二=（七）+四）", "", "", *["通过"] * 7]


def stats_rows() -> list[annual.Row]:
    return [line.row for line in annual.layout(annual.build_table([], YEAR))]


def test_xlsx_download(
    app: Flask, client: FlaskClient, seeded: int, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.ADMIN)
    response = client.get(f"/staff/reports/annual/{YEAR}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data))["表三"]
    assert sheet["A1"].value.endswith(f"{YEAR}年 三、收到和处理政府信息公开申请情况")
    assert sheet["A2"].value == annual.CHECK_NOTE
    assert [sheet[c].value for c in ("D2", "D3", "E3", "J3")] == [
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "总计",
    ]
    assert [sheet.cell(row=4, column=c).value for c in range(5, 10)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {
        "A2:C4",
        "D2:J2",
        "D3:D4",
        "E3:I3",
        "J3:J4",
        "A5:C5",
        "A7:A28",
        "B9:B16",
        "B28:C28",
        "A29:C29",
    } <= merged
    by_key = {}
    for offset, row in enumerate(stats_rows()):
        by_key[row.key] = tuple(sheet.cell(row=5 + offset, column=c).value for c in range(4, 11))
    assert by_key == expected_cells()
    assert sheet["A7"].value == "三、本年度办理结果"
    assert sheet["C9"].value == "1.属于国家秘密"
    assert sheet["B28"].value == "（七）总计"
    assert [sheet.cell(row=30, column=c).value for c in range(4, 11)] == ["通过"] * 7


def test_supervisors_see_their_department_only(
    app: Flask, client: FlaskClient, seeded: int, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.SUPERVISOR, department="housing")
    html = client.get(f"/staff/reports/annual/{YEAR}?department=").get_data(as_text=True)
    assert html_cells(html)["new"] == (0, 0, 1, 0, 0, 1, 2)
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/staff/reports/annual/{YEAR}.csv").data.decode("utf-8-sig"))
        )
    )
    assert rows[1][-1] == "2"


@pytest.mark.parametrize(
    "path",
    [
        f"/staff/reports/annual/{YEAR}",
        f"/staff/reports/annual/{YEAR}.xlsx",
        "/staff/dashboard",
        "/staff/dashboard.csv",
    ],
)
def test_agents_may_not_see_the_figures(
    client: FlaskClient, staff_login: Callable[..., Any], path: str
) -> None:
    staff_login(client, role=Role.AGENT)
    assert client.get(path).status_code == 403


def test_years_outside_the_regulations_are_not_found(
    client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.ADMIN)
    assert client.get("/staff/reports/annual/2007").status_code == 404
    assert client.get("/staff/reports/annual/2999.csv").status_code == 404
    assert client.get("/staff/dashboard?year=abc").status_code == 400
    assert client.get("/staff/dashboard?department=99999").status_code == 400
    latest = client.get("/staff/reports/annual")
    assert latest.status_code == 302 and re.search(
        r"/staff/reports/annual/\d{4}$", latest.headers["Location"]
    )


def test_years_before_the_2021_template_carry_a_note(
    client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(english(client), role=Role.ADMIN)
    html = client.get("/staff/reports/annual/2015").get_data(as_text=True)
    assert "2008 Regulations" in html
    assert "2008 Regulations" not in client.get("/staff/reports/annual/2022").get_data(as_text=True)


# The mailbox figures


def times(
    received: date,
    first: date | None,
    answered: date | None,
    due: date,
    status: Status = Status.ANSWERED,
    kind: Kind = Kind.QUESTION,
) -> TicketTimes:
    return TicketTimes(kind, Channel.WEB, 1, status, received, due, first, answered)


FIXED = [
    # received      first response     answered           due
    times(date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 7), date(2024, 3, 11)),  # 1, 3, on time
    times(date(2024, 3, 4), date(2024, 3, 8), date(2024, 3, 15), date(2024, 3, 11)),  # 4, 9, late
    times(date(2024, 3, 8), date(2024, 3, 11), date(2024, 3, 12), date(2024, 3, 15)),  # Fri: 1, 2
    times(date(2024, 3, 11), None, None, date(2024, 3, 18), Status.IN_PROGRESS),  # overdue
    times(date(2024, 4, 1), date(2024, 4, 2), None, date(2024, 4, 15), Status.IN_PROGRESS),  # 1
    # Qingming: 4-6 April off, Sunday 7 April a make-up working day: 1 and 2 working days.
    times(date(2024, 4, 3), date(2024, 4, 7), date(2024, 4, 8), date(2024, 4, 10)),
]


def test_medians_and_on_time_share_on_a_fixed_data_set() -> None:
    figures = summarise(
        FIXED, YEAR, today=date(2024, 4, 10), calendar=deadlines.WorkCalendar.national()
    )
    assert figures.median_first_response == 1.0  # 1, 1, 1, 1, 4
    assert figures.median_answer == 2.5  # 2, 2, 3, 9
    assert (figures.answered_on_time, figures.answered_late, figures.overdue_unanswered) == (
        3,
        1,
        1,
    )
    assert figures.on_time_share == pytest.approx(0.6)
    assert figures.monthly_median_first_response[2:4] == (1.0, 1.0)
    assert figures.monthly_median_answer[2:4] == (3.0, 2.0)
    assert figures.monthly_median_answer[4] is None
    assert figures.total_by_month[2:4] == (4, 2) and figures.total == 6
    assert figures.by_kind[Kind.QUESTION][2] == 4
    # Later, the open one of April is overdue too.
    later = summarise(
        FIXED, YEAR, today=date(2024, 5, 1), calendar=deadlines.WorkCalendar.national()
    )
    assert later.on_time_share == pytest.approx(0.5)
    assert (
        summarise(
            [], YEAR, today=date(2024, 5, 1), calendar=deadlines.WorkCalendar.national()
        ).on_time_share
        is None
    )


@pytest.fixture
def mailbox(
    app: Flask, make_ticket: Callable[..., Any], make_department: Callable[..., Any]
) -> int:
    """The fixed data set in the database, with moments in Beijing time; returns housing's id."""
    housing = make_department("housing", name_en="Housing Bureau")
    for index, t in enumerate(FIXED):
        make_ticket(
            kind=Kind.COMPLAINT if index == 1 else Kind.QUESTION,
            channel=Channel.EMAIL if index >= 4 else Channel.WEB,
            department=housing.id if index == 5 else "egov",
            status=t.status,
            received_on=t.received_on,
            due_on=t.due_on,
            # Just after midnight in Beijing: the previous day in UTC.
            first_response_at=beijing(
                t.first_response_on.year, t.first_response_on.month, t.first_response_on.day, 0, 30
            )
            if t.first_response_on
            else None,
            answered_at=beijing(t.answered_on.year, t.answered_on.month, t.answered_on.day, 0, 30)
            if t.answered_on
            else None,
        )
    make_ticket(received_on=date(2024, 5, 2), status=Status.SPAM)
    make_ticket(received_on=date(2023, 12, 29))
    with app.app_context():
        rated = db.session.scalars(select(Ticket).order_by(Ticket.id).limit(3)).all()
        for ticket, rating in zip(
            rated, [Rating.SATISFIED, Rating.SATISFIED, Rating.DISSATISFIED], strict=True
        ):
            answer = Message(
                ticket=ticket, kind=MessageKind.REPLY, body="答复", created_at=beijing(2024, 3, 20)
            )
            db.session.add(answer)
            db.session.flush()
            db.session.add(
                SatisfactionRating(
                    ticket_id=ticket.id,
                    message_id=answer.id,
                    rating=rating,
                    created_at=beijing(2024, 3, 21),
                )
            )
        db.session.commit()
    return int(housing.id)


def test_mailbox_figures_from_the_database(app: Flask, mailbox: int) -> None:
    with app.app_context():
        national = deadlines.WorkCalendar.national()
        figures = stats.mailbox_figures(
            db.session, YEAR, today=date(2024, 4, 10), calendar=national
        )
        assert (figures.median_first_response, figures.median_answer) == (1.0, 2.5)
        assert figures.on_time_share == pytest.approx(0.6)
        assert figures.total == 6
        assert figures.by_channel[Channel.EMAIL][3] == 2
        assert figures.by_kind[Kind.COMPLAINT][2] == 1
        assert figures.satisfaction == {
            Rating.VERY_SATISFIED: 0,
            Rating.SATISFIED: 2,
            Rating.BASICALLY_SATISFIED: 0,
            Rating.DISSATISFIED: 1,
            Rating.VERY_DISSATISFIED: 0,
        }
        housing = stats.mailbox_figures(
            db.session, YEAR, today=date(2024, 4, 10), calendar=national, department_id=mailbox
        )
        assert housing.total == 1 and housing.median_answer == 2.0
        assert sum(housing.satisfaction.values()) == 0


def test_dashboard_renders_accessible_charts(
    app: Flask, client: FlaskClient, mailbox: int, staff_login: Callable[..., Any]
) -> None:
    staff_login(english(client), role=Role.ADMIN)
    response = client.get(f"/staff/dashboard?year={YEAR}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(re.findall(r"<svg(?![^>]*aria-hidden)", html)) == 7  # the charts, not the bell icon
    assert html.count('role="img"') == 7
    assert len(re.findall(r"<svg[^>]*aria-labelledby=\"(chart-[a-z]+)-title \1-desc\"", html)) == 7
    assert html.count("<title id=") == 7 and html.count("<desc id=") == 7
    assert html.count("<caption>") == 7  # a data table beside each chart
    assert "<rect" in html and "<polyline" in html
    # The charts need no script: the only scripts are the staff pages' own static files.
    assert re.findall(r'<script(?! src="/static/)', html) == [] and " style=" not in html
    assert 'data-figure="total">6<' in html
    assert 'data-figure="median-first">1<' in html
    assert 'data-figure="median-answer">2.5<' in html
    # Today is long after 2024: both open tickets are overdue.
    assert 'data-figure="on-time">50%<' in html
    assert "Housing Bureau" in html and "Basically satisfied" in html
    only_housing = client.get(f"/staff/dashboard?year={YEAR}&department={mailbox}").get_data(
        as_text=True
    )
    assert 'data-figure="total">1<' in only_housing


def test_dashboard_for_a_supervisor_and_its_export(
    app: Flask, client: FlaskClient, mailbox: int, staff_login: Callable[..., Any]
) -> None:
    staff_login(english(client), role=Role.SUPERVISOR, department="egov")
    html = client.get(f"/staff/dashboard?year={YEAR}&department={mailbox}").get_data(as_text=True)
    assert 'data-figure="total">5<' in html  # their own department, whatever was asked
    response = client.get(f"/staff/dashboard.csv?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Figure", "Series", *[str(m) for m in range(1, 13)], "Total"]
    assert rows[1] == ["Received", "All", "0", "0", "4", "1", *["0"] * 8, "5"]
    summary = {row[0]: row[-1] for row in rows}
    assert summary["Median working days to first response"] == "1.0"
    assert summary["Satisfied"] == "2"
