"""A day at the office, through the pages and forms a person uses, with the Flask test client:
log in, find an enquiry by a Chinese word, reply, transfer another, close, read the history,
and see the reply on the citizen's tracking page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from enquiry.models import Role
from tests.app.conftest import english
from tests.app.test_staff_ticket import open_enquiry, track_page

FORM = re.compile(r'<form method="post" action="(/staff/tickets/\d+/[\w-]+)"')
RESULT = re.compile(r'<a href="(/staff/tickets/\d+)"><bdi dir="ltr">([^<]+)</bdi>')
HISTORY_ROW = re.compile(r'<th scope="row"[^>]*>([^<]+)</th>')


def search(client: FlaskClient, word: str) -> list[tuple[str, str]]:
    """Type a word into the inbox's search box; return (ticket URL, reference) of each hit."""
    inbox = client.get("/staff").get_data(as_text=True)
    assert 'action="/staff/search"' in inbox
    response = client.get("/staff/search", query_string={"q": word})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<mark>{word}</mark>" in page
    return RESULT.findall(page)


def form_action(page: str, ending: str) -> str:
    """The action of the form on the page whose URL ends with `ending`."""
    (action,) = [action for action in FORM.findall(page) if action.endswith(ending)]
    return action


def flashed(client: FlaskClient, response: Any) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def history(client: FlaskClient, url: str) -> tuple[list[str], str]:
    page = client.get(url).get_data(as_text=True)
    table = page[page.index('id="history-heading"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", table))
    return HISTORY_ROW.findall(table), html.unescape(text)


def test_a_day_at_the_office(
    app: Flask,
    make_department: Callable[..., Any],
    make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    housing = make_department("housing", name_zh="市住房保障和房产管理局", name_en="Housing Bureau")
    _, waste_reference, waste_code = open_enquiry(
        app,
        subject="垃圾分类试点小区有哪些？",
        body="报告提到启动垃圾分类试点，请问试点小区名单在哪里公开？",
        name="买买提·艾力",
        email="waste@example.com",
    )
    _, housing_reference, _ = open_enquiry(
        app,
        subject="保障性住房申请进度",
        body="我去年提交的保障性住房申请一直没有消息，想了解审核进度。",
        email="home@example.com",
    )
    supervisor = make_user(role=Role.SUPERVISOR, department="egov", display_name="主任 王")
    office = english(app.test_client())

    # Log in; the inbox shows both enquiries.
    landed = login(office, supervisor)
    assert landed.status_code == 302
    inbox = office.get(landed.headers["Location"]).get_data(as_text=True)
    assert waste_reference in inbox and housing_reference in inbox

    # Find the first one by a Chinese word and answer it.
    ((waste_url, found),) = search(office, "垃圾分类")
    assert found == waste_reference
    page = office.get(waste_url).get_data(as_text=True)
    answer = "您好：试点小区名单已在市城管委网站“垃圾分类”专栏公开。<感谢来信>"
    (seen,) = re.findall(r'name="reply-seen" type="hidden" value="(\d+)"', page)
    data = {"reply-body": answer, "reply-seen": seen}
    response = office.post(form_action(page, "/answer"), data=data)
    assert "Your reply has been sent." in flashed(office, response)

    # Close it.
    page = office.get(waste_url).get_data(as_text=True)
    response = office.post(form_action(page, "/close"))
    assert "The ticket has been closed." in flashed(office, response)

    # Find the other by another word and transfer it to the housing bureau, with a note.
    ((housing_url, found),) = search(office, "保障性住房")
    assert found == housing_reference
    page = office.get(housing_url).get_data(as_text=True)
    assert f'<option value="{housing.id}">Housing Bureau</option>' in page
    data = {"transfer-department": str(housing.id), "transfer-note": "请住房局核实审核进度"}
    response = office.post(form_action(page, "/transfer"), data=data)
    assert "The ticket has been transferred." in flashed(office, response)

    # Every step is in the first ticket's history, with who did it and before → after.
    rows, table = history(office, waste_url)
    assert rows == [
        "Opened",
        "Acknowledged",
        "Work started",
        "Replied",
        "Closed",
    ]  # 签收, 办理 implicit
    assert "In progress → Answered" in table and "Answered → Closed" in table
    assert supervisor.email in table

    # The transferred ticket is now the bureau's: its staff see it, with the office's note.
    bureau = english(app.test_client())
    login(bureau, make_user(role=Role.AGENT, department="housing"))
    rows, table = history(bureau, housing_url)
    assert rows == ["Opened", "Transferred"]
    assert (
        "Received → Routed" in table and "E-Government Office → Housing Bureau" in table
    )  # labels, never codes
    assert "请住房局核实审核进度" in table
    assert office.get(housing_url).status_code == 404  # and no longer the office's

    # The citizen sees the answer on the tracking page at once, escaped, as typed.
    public = track_page(app, waste_reference, waste_code)
    assert html.escape(answer, quote=False) in public or "&lt;感谢来信&gt;" in public
    assert "试点小区名单已在市城管委网站" in public
