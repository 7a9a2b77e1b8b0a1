"""Tracking: reference plus code shows the enquiry, never more; follow-ups; no enumeration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry import errors
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Channel,
    Message,
    MessageKind,
    Status,
    Ticket,
    utcnow,
)
from enquiry.public import labels
from enquiry.rules import references
from enquiry.templating import format_day
from tests.app.test_ask import (
    EXECUTABLE,
    Confirmation,
    app_with,
    english,
    in_locale,
    png_bytes,
    stored_counts,
    submit_enquiry,
    upload,
)

KNOWN_CODE = "0123-4567-89AB-CDEF-GHJK"  # has the digits people mistype as letters


@pytest.fixture
def citizen(client: FlaskClient) -> FlaskClient:
    """The browser that sent the enquiry, reading in English."""
    return english(client)


@pytest.fixture
def sent(citizen: FlaskClient) -> Confirmation:
    """An enquiry already sent."""
    return submit_enquiry(citizen)


@pytest.fixture
def stranger(app: Flask) -> FlaskClient:
    """Another browser (say, the citizen's phone) that has not shown the code yet."""
    return english(app.test_client())


def ticket_for(app: Flask, reference: str) -> Ticket:
    with app.app_context():
        ticket = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        db.session.expunge(ticket)
        return ticket


def change_ticket(app: Flask, reference: str, **values: Any) -> None:
    with app.app_context():
        ticket = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        for name, value in values.items():
            setattr(ticket, name, value)
        db.session.commit()


def set_status(app: Flask, reference: str, status: Status) -> None:
    closed_at = utcnow() - timedelta(days=1) if status is Status.CLOSED else None
    change_ticket(app, reference, status=status, closed_at=closed_at)


def add_message(
    app: Flask, reference: str, kind: MessageKind, body: str, channel: Channel | None = None
) -> None:
    with app.app_context():
        ticket = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        message = Message(ticket=ticket, kind=kind, body=body, created_at=utcnow(), channel=channel)
        db.session.add(message)
        db.session.commit()


def look_up(client: FlaskClient, reference: str, code: str) -> Any:
    return client.post("/track", data={"reference": reference, "code": code})


# Finding an enquiry -----------------------------------------------------------------------------


def test_reference_and_code_show_the_enquiry(
    app: Flask, sent: Confirmation, stranger: FlaskClient
) -> None:
    response = look_up(stranger, sent.reference, sent.code)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{sent.reference}"

    page = stranger.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    ticket = ticket_for(app, sent.reference)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        due = format_day(ticket.due_on)
        received = in_locale(app, "en", labels.STATUS_LABELS[Status.RECEIVED])
    assert ticket.due_on is not None and due
    assert sent.reference in html
    assert f"<strong>{received}</strong>" in html
    assert "E-Government Office" in html
    assert due in html
    assert "关于2013年报告的问题" in html  # the subject
    assert "请问依申请公开的答复时限是多少个工作日？" in html  # the citizen's message
    assert sent.code not in html  # the code is never shown again


def test_the_confirmation_link_opens_the_enquiry(sent: Confirmation, stranger: FlaskClient) -> None:
    response = stranger.get(f"/track/{sent.reference}/{sent.code}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{sent.reference}"  # the code leaves the URL
    page = stranger.get(f"/track/{sent.reference}")
    assert page.status_code == 200
    assert "请问依申请公开的答复时限是多少个工作日？" in page.get_data(as_text=True)


def test_the_sender_sees_the_enquiry_without_typing_the_code(
    citizen: FlaskClient, sent: Confirmation
) -> None:
    assert citizen.get(f"/track/{sent.reference}").status_code == 200


def test_the_page_needs_the_code_first(sent: Confirmation, stranger: FlaskClient) -> None:
    response = stranger.get(f"/track/{sent.reference}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/track?reference={sent.reference}"
    form = stranger.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{sent.reference}"' in form  # the reference is filled in for the citizen
    assert "请问" not in form


@pytest.mark.parametrize(
    ("typed_reference", "typed_code"),
    [
        pytest.param("{ref}", KNOWN_CODE, id="as-given"),
        pytest.param("{ref_lower}", KNOWN_CODE, id="lower-case-reference"),
        pytest.param(" {ref} ", KNOWN_CODE, id="surrounding-spaces"),
        pytest.param("{ref_full_width}", KNOWN_CODE, id="full-width-reference"),
        pytest.param("{ref}", "0123456789ABCDEFGHJK", id="code-without-hyphens"),
        pytest.param("{ref}", "0123-4567-89ab-cdef-ghjk", id="lower-case-code"),
        pytest.param("{ref}", "O123-4567-89AB-CDEF-GHJK", id="letter-O-for-zero"),
        pytest.param("{ref}", "0I23-4567-89AB-CDEF-GHJK", id="letter-I-for-one"),
        pytest.param("{ref}", "0l23 4567 89ab cdef ghjk", id="letter-l-and-spaces"),
    ],
)
def test_typing_variants_of_reference_and_code_are_accepted(
    app: Flask, sent: Confirmation, stranger: FlaskClient, typed_reference: str, typed_code: str
) -> None:
    change_ticket(app, sent.reference, access_code_hash=references.hash_code(KNOWN_CODE))
    full_width = sent.reference.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-WLMQ"})
    reference = typed_reference.format(
        ref=sent.reference, ref_lower=sent.reference.lower(), ref_full_width=full_width
    )
    response = look_up(stranger, reference, typed_code)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{sent.reference}"


def test_a_wrong_code_and_an_unknown_reference_get_the_same_answer(
    app: Flask, sent: Confirmation, stranger: FlaskClient
) -> None:
    year = sent.reference.split("-")[1]
    unknown = f"WLMQ-{year}-000999"
    wrong_code = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"

    wrong = look_up(stranger, sent.reference, wrong_code)
    missing = look_up(stranger, unknown, wrong_code)

    assert wrong.status_code == missing.status_code == 404
    # The form shows back what was typed; apart from that the two pages must be identical.
    wrong_html = wrong.get_data(as_text=True).replace(f'value="{sent.reference}"', "")
    missing_html = missing.get_data(as_text=True).replace(f'value="{unknown}"', "")
    assert wrong_html == missing_html
    assert "No enquiry matches this reference number and code." in wrong_html
    assert "关于2013年报告" not in wrong_html  # nothing about the real enquiry leaks

    wrong = stranger.get(f"/track/{sent.reference}/{wrong_code}")
    missing = stranger.get(f"/track/{unknown}/{wrong_code}")
    assert wrong.status_code == missing.status_code == 404
    assert wrong.get_data(as_text=True).replace(sent.reference, "REF") == missing.get_data(
        as_text=True
    ).replace(unknown, "REF")

    assert stranger.get(f"/track/{sent.reference}").status_code == 302  # still not granted


def test_the_code_of_one_enquiry_does_not_open_another(
    citizen: FlaskClient, stranger: FlaskClient
) -> None:
    first = submit_enquiry(citizen)
    second = submit_enquiry(citizen)
    assert look_up(stranger, second.reference, first.code).status_code == 404
    assert look_up(stranger, first.reference, first.code).status_code == 303
    assert stranger.get(f"/track/{second.reference}").status_code == 302


def test_missing_fields_are_reported(stranger: FlaskClient) -> None:
    response = look_up(stranger, "", "")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter the reference number." in html
    assert "Enter the retrieval code." in html


# What the citizen may see -----------------------------------------------------------------------


def test_notes_and_events_never_reach_the_tracking_page_but_replies_do(
    app: Flask, citizen: FlaskClient, sent: Confirmation
) -> None:
    add_message(app, sent.reference, MessageKind.NOTE, "内部备注：请勿外传的意见")
    add_message(app, sent.reference, MessageKind.EVENT, "系统事件：已转交城建局")
    add_message(app, sent.reference, MessageKind.REPLY, "您好，答复时限为二十个工作日。")

    html = citizen.get(f"/track/{sent.reference}").get_data(as_text=True)

    assert "内部备注" not in html
    assert "系统事件" not in html
    assert "您好，答复时限为二十个工作日。" in html
    assert html.count('class="message ') == 2
    assert 'class="message message-reply' in html
    assert "Answer from the office" in html


QUOTED_REPLY = """谢谢答复。请问纸质版在哪里可以查阅？

在 2026年11月28日，xxgk@enquiry.localhost 写道：
> 您好：米东区征地拆迁补偿方案已在区政府网站公布。
> 不满意: http://enquiry.test/rate/TOKEN?rating=dissatisfied"""


def test_quoted_mail_history_is_folded_away(
    app: Flask, citizen: FlaskClient, sent: Confirmation
) -> None:
    add_message(app, sent.reference, MessageKind.CITIZEN, QUOTED_REPLY, Channel.EMAIL)
    add_message(app, sent.reference, MessageKind.CITIZEN, "> 网页留言里的引号不折叠", Channel.WEB)

    html = citizen.get(f"/track/{sent.reference}").get_data(as_text=True)

    shown, folded = html.split('<details class="message-quoted', 1)
    assert "谢谢答复。请问纸质版在哪里可以查阅？" in shown
    assert "征地拆迁补偿方案" not in shown and "征地拆迁补偿方案" in folded
    assert "&gt; 网页留言里的引号不折叠" in folded.split("</details>", 1)[1]


# Follow-ups -------------------------------------------------------------------------------------


FOLLOW_UP = "补充：我的身份证复印件见附件。"


def follow_up(client: FlaskClient, reference: str, **data: Any) -> Any:
    return client.post(f"/track/{reference}", data={"message": FOLLOW_UP, **data})


def test_a_follow_up_adds_a_message(app: Flask, citizen: FlaskClient, sent: Confirmation) -> None:
    response = follow_up(citizen, sent.reference, attachments=[upload(png_bytes(), "身份证.png")])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/track/{sent.reference}#thread"

    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert [m.body for m in ticket.messages][-1] == FOLLOW_UP
        assert [m.kind for m in ticket.messages] == [MessageKind.CITIZEN, MessageKind.CITIZEN]
        assert [a.filename for a in ticket.messages[-1].attachments] == ["身份证.png"]
        assert ticket.status is Status.RECEIVED
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["ticket.opened", "ticket.citizen_follow_up"]
    html = citizen.get(f"/track/{sent.reference}").get_data(as_text=True)
    assert FOLLOW_UP in html
    assert "身份证.png" in html


@pytest.mark.parametrize("status", [Status.ANSWERED, Status.CLOSED, Status.AWAITING_CITIZEN])
def test_a_follow_up_on_an_answered_or_closed_enquiry_reopens_it(
    app: Flask, citizen: FlaskClient, sent: Confirmation, status: Status
) -> None:
    set_status(app, sent.reference, status)
    # A question reopens even a closed ticket (a mere "thank you" does not: test_answer_loop.py).
    assert (
        follow_up(citizen, sent.reference, message="复印件已附上，还需要原件吗？").status_code
        == 303
    )
    ticket = ticket_for(app, sent.reference)
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.closed_at is None


@pytest.mark.parametrize("status", [Status.REFUSED, Status.SPAM, Status.MERGED])
def test_a_follow_up_on_a_refused_enquiry_is_a_conflict(
    app: Flask, citizen: FlaskClient, sent: Confirmation, status: Status
) -> None:
    set_status(app, sent.reference, status)
    page = citizen.get(f"/track/{sent.reference}").get_data(as_text=True)
    assert 'name="message"' not in page  # no form is offered
    before = stored_counts(app)

    response = follow_up(citizen, sent.reference)

    assert response.status_code == 409
    assert "This enquiry no longer accepts messages." in response.get_data(as_text=True)
    assert stored_counts(app) == before
    assert ticket_for(app, sent.reference).status is status


def too_many_files() -> dict[str, Any]:
    return {"attachments": [upload(png_bytes(seed=n), f"{n}.png") for n in range(6)]}


def an_executable() -> dict[str, Any]:
    return {"attachments": [upload(EXECUTABLE, "证明.pdf")]}


@pytest.mark.parametrize(
    ("make_data", "status", "message"),
    [
        pytest.param(lambda: {"message": ""}, 400, "Enter your message.", id="empty"),
        pytest.param(lambda: {"message": "字" * 20_001}, 400, "Between 2 and 20000", id="long"),
        pytest.param(too_many_files, 413, "You can attach at most 5 files.", id="too-many-files"),
        pytest.param(an_executable, 400, "is not an accepted type", id="executable"),
    ],
)
def test_a_bad_follow_up_is_refused_and_stores_nothing(
    app: Flask,
    citizen: FlaskClient,
    sent: Confirmation,
    make_data: Callable[[], dict[str, Any]],
    status: int,
    message: str,
) -> None:
    set_status(app, sent.reference, Status.ANSWERED)
    before = stored_counts(app)
    response = follow_up(citizen, sent.reference, **make_data())
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert stored_counts(app) == before
    assert ticket_for(app, sent.reference).status is Status.ANSWERED


def test_a_follow_up_needs_the_code(app: Flask, sent: Confirmation, stranger: FlaskClient) -> None:
    before = stored_counts(app)
    response = follow_up(stranger, sent.reference)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/track?")
    assert stored_counts(app) == before


# Rate limit -------------------------------------------------------------------------------------


def test_look_ups_are_rate_limited(make_app: Callable[..., Flask]) -> None:
    app = app_with(make_app, RATELIMIT_ENABLED=True, TRACK_RATE_LIMIT="3 per minute")
    sent = submit_enquiry(english(app.test_client()))
    guesser = english(app.test_client())
    for n in range(3):
        assert look_up(guesser, sent.reference, f"AAAA-AAAA-AAAA-AAAA-AAA{n}").status_code == 404

    response = look_up(guesser, sent.reference, sent.code)  # even the right code, now

    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert in_locale(app, "en", errors.MESSAGES[429]) in html
    assert "关于2013年报告" not in html
    assert guesser.get(f"/track/{sent.reference}").status_code == 302
