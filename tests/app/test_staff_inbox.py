"""The inbox: scope, filters, counts, sorting and keyset pagination."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from enquiry.extensions import db
from enquiry.models import Channel, Kind, Role, Status
from enquiry.rules import deadlines
from tests.app.conftest import english
from tests.app.test_handling import new_ticket

REFERENCE = re.compile(r">(WLMQ-\d{4}-\d{6})</a>")
NEXT = re.compile(r'rel="next" href="([^"]+)"')
BASE = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English."""
    return english(app.test_client())


@pytest.fixture
def agent(make_user: Callable[..., Any]) -> Any:
    return make_user(role=Role.AGENT, department="egov", display_name="Agent Li")


@pytest.fixture
def signed_in(client: FlaskClient, agent: Any, login: Callable[..., Any]) -> FlaskClient:
    """A client signed in as the egov agent."""
    assert login(client, agent).status_code == 302
    return client


def references(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return REFERENCE.findall(response.get_data(as_text=True))


def listed(client: FlaskClient, **params: Any) -> list[str]:
    return references(client.get("/staff", query_string=params))


def next_link(response: Any) -> str | None:
    match = NEXT.search(response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def beijing_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def statements(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """Collect the SQL (and its parameters) the app sends while the test runs."""
    seen: list[tuple[str, Any]] = []
    with app.app_context():
        engine = db.engine

    def collect(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", collect)
    yield seen
    event.remove(engine, "before_cursor_execute", collect)


def test_inbox_answers_at_both_addresses(signed_in: FlaskClient) -> None:
    assert signed_in.get("/staff").status_code == 200
    assert signed_in.get("/staff/inbox").status_code == 200


def test_staff_login_helper(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = english(app.test_client())
    user = staff_login(client, role=Role.SUPERVISOR)
    assert user.role is Role.SUPERVISOR
    assert "Staff" in client.get("/staff").get_data(as_text=True)


def test_rows_show_the_ticket_and_link_to_it(
    signed_in: FlaskClient, make_ticket: Callable[..., Any], agent: Any
) -> None:
    ticket = make_ticket(
        subject="关于煤改气补贴的咨询",
        kind=Kind.COMPLAINT,
        channel=Channel.EMAIL,
        status=Status.IN_PROGRESS,
        assignee_id=agent.id,
        due_on=date(2024, 5, 13),
    )
    page = signed_in.get("/staff").get_data(as_text=True)
    assert f'href="/staff/tickets/{ticket.id}">{ticket.reference}</a>' in page
    for text in ("关于煤改气补贴的咨询", "Complaint", "In progress", "E-mail", "Agent Li"):
        assert text in page
    assert "E-Government Office" in page
    assert "2024" in page  # created and due dates


def test_empty_inbox_says_so(signed_in: FlaskClient) -> None:
    assert "No tickets match" in signed_in.get("/staff").get_data(as_text=True)


def test_agents_see_only_their_department(
    app: Flask,
    client: FlaskClient,
    make_department: Callable[..., Any],
    make_user: Callable[..., Any],
    make_ticket: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    housing = make_department("housing")
    ours = make_ticket(department="egov").reference
    theirs = make_ticket(department="housing").reference
    login(client, make_user(role=Role.SUPERVISOR, department="egov"))
    assert listed(client) == [ours]
    # Filtering on another department is refused, not answered with its tickets.
    assert client.get("/staff", query_string={"department": housing.id}).status_code == 400

    admin = english(app.test_client())
    login(admin, make_user(role=Role.ADMIN, department=None))
    assert set(listed(admin)) == {ours, theirs}
    assert listed(admin, department=housing.id) == [theirs]


def test_filters(
    signed_in: FlaskClient,
    make_ticket: Callable[..., Any],
    make_user: Callable[..., Any],
    agent: Any,
) -> None:
    colleague = make_user(role=Role.AGENT, department="egov")
    today = beijing_today()
    tickets = {
        "plain": make_ticket(),
        "mine": make_ticket(assignee_id=agent.id, kind=Kind.SUGGESTION),
        "theirs": make_ticket(assignee_id=colleague.id, channel=Channel.EMAIL),
        "closed": make_ticket(status=Status.CLOSED, due_on=today - timedelta(days=9)),
        "overdue": make_ticket(status=Status.ROUTED, due_on=today - timedelta(days=1)),
        "today": make_ticket(status=Status.ROUTED, due_on=today),
        "soon": make_ticket(status=Status.IN_PROGRESS, due_on=today + timedelta(days=3)),
        "later": make_ticket(due_on=today + timedelta(days=4)),
        "answered_soon": make_ticket(status=Status.MERGED, due_on=today + timedelta(days=1)),
        "may": make_ticket(received_on=date(2024, 5, 31)),
        "june": make_ticket(received_on=date(2024, 6, 1), kind=Kind.INFO_APPLICATION),
    }
    ref = {name: ticket.reference for name, ticket in tickets.items()}

    def names(**params: Any) -> set[str]:
        found = set(listed(signed_in, **params))
        return {name for name, reference in ref.items() if reference in found}

    assert names() == set(ref)
    assert names(assignee="mine") == {"mine"}
    assert names(assignee=str(colleague.id)) == {"theirs"}
    assert names(assignee="unassigned") == set(ref) - {"mine", "theirs"}
    assert names(status="routed") == {"overdue", "today"}
    assert names(kind="suggestion") == {"mine"}
    assert names(kind="info_application") == {"june"}
    assert names(channel="email") == {"theirs"}
    assert names(due="overdue") == {"overdue"}
    assert names(due="soon") == {"today", "soon"}
    assert names(received_from="2024-06-01") == {"june"}
    assert names(received_from="2024-05-31", received_to="2024-05-31") == {"may"}
    assert names(received_to="2024-05-30") == set(ref) - {"may", "june"}
    assert names(status="routed", due="overdue") == {"overdue"}
    assert names(assignee="mine", kind="question") == set()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"kind": "rumour"},
        {"channel": "fax"},
        {"assignee": "everyone"},
        {"assignee": "999999"},
        {"due": "yesterday"},
        {"sort": "random"},
        {"received_from": "2024-13-01"},
        {"received_from": "2024-06-02", "received_to": "2024-06-01"},
    ],
)
def test_invalid_filters_are_refused_clearly(
    signed_in: FlaskClient, params: dict[str, str]
) -> None:
    response = signed_in.get("/staff", query_string=params)
    assert response.status_code == 400
    assert "Please correct the following" in response.get_data(as_text=True)


def test_counts_per_status_follow_the_other_filters(
    signed_in: FlaskClient, make_ticket: Callable[..., Any]
) -> None:
    for status, kind in [
        (Status.RECEIVED, Kind.QUESTION),
        (Status.RECEIVED, Kind.QUESTION),
        (Status.RECEIVED, Kind.COMPLAINT),
        (Status.ANSWERED, Kind.QUESTION),
        (Status.CLOSED, Kind.COMPLAINT),
    ]:
        make_ticket(status=status, kind=kind)

    def counts(**params: Any) -> dict[str, int]:
        page = signed_in.get("/staff", query_string=params).get_data(as_text=True)
        pairs = re.findall(r"([\w ]+?) <span class=\"badge[^\"]*inbox-count\">(\d+)</span>", page)
        return {label.strip(): int(count) for label, count in pairs}

    everything = counts()
    assert everything["Received"] == 3
    assert everything["Answered"] == 1
    assert everything["Closed"] == 1
    assert everything["Spam"] == 0
    questions = counts(kind="question")
    assert (questions["Received"], questions["Answered"], questions["Closed"]) == (2, 1, 0)
    # Choosing a status narrows the list, not the counts.
    assert counts(kind="question", status="answered") == questions
    assert len(listed(signed_in, kind="question", status="answered")) == 1


def walk(client: FlaskClient, **params: Any) -> list[list[str]]:
    """Follow the next-page links from the first page; return each page's references."""
    pages = []
    response = client.get("/staff", query_string=params)
    while True:
        pages.append(references(response))
        link = next_link(response)
        if link is None:
            return pages
        assert "after=" in link
        response = client.get(link)


def test_keyset_pagination_newest_first(
    signed_in: FlaskClient, make_ticket: Callable[..., Any], statements: list[tuple[str, Any]]
) -> None:
    # 60 tickets, three to a timestamp, so the id must break ties for the pages to be exact.
    tickets = [make_ticket(created_at=BASE + timedelta(minutes=n // 3)) for n in range(60)]
    expected = [
        t.reference for t in sorted(tickets, key=lambda t: (t.created_at, t.id), reverse=True)
    ]
    statements.clear()
    pages = walk(signed_in)
    assert [len(page) for page in pages] == [25, 25, 10]
    assert [ref for page in pages for ref in page] == expected
    pages_sql = [(sql, params) for sql, params in statements if "FROM tickets" in sql]
    keyset = [sql for sql, _ in pages_sql if "(tickets.created_at, tickets.id) <" in sql]
    assert len(keyset) == 2  # the second and third pages start after a cursor
    for sql, params in pages_sql:
        # No OFFSET, except the "OFFSET 0" SQLAlchemy always writes for SQLite.
        assert "OFFSET" not in sql or (sql.rstrip().endswith("OFFSET ?") and params[-1] == 0)


def test_keyset_pagination_oldest_first_keeps_the_filters(
    signed_in: FlaskClient, make_ticket: Callable[..., Any]
) -> None:
    kinds = [Kind.QUESTION, Kind.OTHER]
    tickets = [
        make_ticket(created_at=BASE + timedelta(minutes=n // 2), kind=kinds[n % 2])
        for n in range(70)
    ]
    questions = [t for t in tickets if t.kind is Kind.QUESTION]
    expected = [t.reference for t in sorted(questions, key=lambda t: (t.created_at, t.id))]
    pages = walk(signed_in, sort="oldest", kind="question")
    assert [len(page) for page in pages] == [25, 10]
    assert [ref for page in pages for ref in page] == expected


def test_keyset_pagination_by_due_date_puts_undated_last(
    signed_in: FlaskClient, make_ticket: Callable[..., Any]
) -> None:
    tickets = [
        make_ticket(due_on=None if n % 4 == 0 else date(2024, 6, 1) + timedelta(days=n % 5))
        for n in range(55)
    ]
    expected = [t.reference for t in sorted(tickets, key=lambda t: (t.due_on or date.max, t.id))]
    pages = walk(signed_in, sort="due")
    assert [len(page) for page in pages] == [25, 25, 5]
    assert [ref for page in pages for ref in page] == expected


def test_a_page_link_carries_the_filters(
    signed_in: FlaskClient, make_ticket: Callable[..., Any]
) -> None:
    for _ in range(26):
        make_ticket(kind=Kind.COMPLAINT)
    response = signed_in.get("/staff", query_string={"kind": "complaint"})
    link = next_link(response)
    assert link is not None and "kind=complaint" in link
    second = signed_in.get(link)
    assert len(references(second)) == 1
    assert 'href="/staff?kind=complaint">First page' in second.get_data(as_text=True)


def first_cursor(client: FlaskClient, **params: Any) -> str:
    link = next_link(client.get("/staff", query_string=params))
    assert link is not None
    match = re.search(r"after=([^&]+)", link)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("tamper", ["garbage", "flip", "other_sort", "empty_payload"])
def test_invalid_cursor_is_a_clear_400(
    app: Flask, signed_in: FlaskClient, make_ticket: Callable[..., Any], tamper: str
) -> None:
    for n in range(26):
        make_ticket(created_at=BASE + timedelta(minutes=n))
    cursor = first_cursor(signed_in)
    params = {"after": cursor}
    if tamper == "garbage":
        params["after"] = "not-a-cursor"
    elif tamper == "flip":
        params["after"] = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    elif tamper == "other_sort":
        params["sort"] = "due"
    else:
        from itsdangerous import URLSafeSerializer

        serializer = URLSafeSerializer(app.config["SECRET_KEY"], salt="staff.inbox.cursor")
        params["after"] = serializer.dumps(["newest", "yesterday", "x"])
    response = signed_in.get("/staff", query_string=params)
    assert response.status_code == 400
    assert "This page link is not valid" in response.get_data(as_text=True)


def _row(page: str, reference: str) -> str:
    """Return the table row of a ticket in the inbox page."""
    match = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*?>{reference}</a>.*?</tr>", page, re.S)
    assert match, f"{reference} is not listed"
    return match.group(0)


def test_rows_show_the_working_days_left_by_the_office_calendar(
    app: Flask, signed_in: FlaskClient, make_ticket: Callable[..., Any]
) -> None:
    calendar = deadlines.calendar_named(app.config["CALENDAR"])
    today = beijing_today()
    late_due = today - timedelta(days=1)
    while deadlines.working_days_between(today, late_due, calendar) > -2:
        late_due -= timedelta(days=1)
    running = make_ticket(
        subject="五个工作日",
        status=Status.IN_PROGRESS,
        due_on=deadlines.add_working_days(today, 5, calendar),
    )
    late = make_ticket(subject="逾期两个工作日", status=Status.ROUTED, due_on=late_due)
    closed = make_ticket(subject="已办结", status=Status.CLOSED, due_on=today - timedelta(days=30))
    page = signed_in.get("/staff").get_data(as_text=True)
    assert "5 working days left" in _row(page, running.reference)
    late_row = _row(page, late.reference)
    assert "overdue by 2 working days" in late_row and "inbox-overdue" in late_row
    closed_row = _row(page, closed.reference)
    assert "working day" not in closed_row and "Overdue" not in closed_row
    assert closed.due_on.isoformat() in closed_row  # the due date itself still shows


def test_counts_are_kept_until_an_audited_change_and_then_follow_it(
    app: Flask, signed_in: FlaskClient, statements: list[tuple[str, Any]]
) -> None:
    def received() -> int:
        page = signed_in.get("/staff").get_data(as_text=True)
        match = re.search(r"Received <span class=\"badge[^\"]*inbox-count\">(\d+)</span>", page)
        assert match is not None
        return int(match.group(1))

    def counted() -> int:
        return sum("GROUP BY tickets.status" in statement for statement, _ in statements)

    def open_one() -> None:
        with app.app_context():
            new_ticket(app)  # a question opened by the domain verb: audited
            db.session.commit()

    open_one()
    assert received() == 1 and counted() == 1
    assert received() == 1 and counted() == 1  # nothing audited since: not counted again
    assert signed_in.get("/staff", query_string={"kind": "question"}).status_code == 200
    assert counted() == 2  # another filter, its own counts
    open_one()
    assert received() == 2 and counted() == 3
