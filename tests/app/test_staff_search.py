"""The staff search page: Chinese phrases, references, ranking, marks, scope, hostile input."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry.models import Role
from tests.app.conftest import english
from tests.app.test_staff_ticket import open_enquiry, set_fields

RESULT = re.compile(r'<a href="/staff/tickets/(\d+)"><bdi dir="ltr">')
SNIPPET = re.compile(r'<p class="search-snippet[^>]*>(.*?)</p>', re.S)

ENQUIRIES = {
    "coal": (
        "煤改气专题的补贴标准在哪里查询？",
        "报告提到发布了《煤改气》专题栏目。请问居民煤改气的补贴标准和申请流程在哪里可以查到？",
    ),
    "heating": (
        "供暖季空气质量数据",
        "去年冬天小区完成了煤改气，请问今年的空气质量数据在哪里公布？",
    ),
    "road": ("建议田字路施工信息按周更新", "田字路二期施工期间出行不便，建议每周公布封闭路段。"),
    "fields": ("田间道路硬化", "村里的田间道路什么时候硬化？"),
    "waste": ("垃圾分类试点小区有哪些？", "报告提到启动垃圾分类试点，请问试点小区名单在哪里公开？"),
}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English."""
    return english(app.test_client())


@pytest.fixture
def opened(app: Flask) -> dict[str, tuple[int, str]]:
    """The enquiries above, opened through the domain: key -> (id, reference)."""
    found = {}
    for key, (subject, body) in ENQUIRIES.items():
        ticket_id, reference, _ = open_enquiry(
            app, subject=subject, body=body, email=f"{key}@example.com"
        )
        found[key] = (ticket_id, reference)
    return found


def results(client: FlaskClient, query: str) -> tuple[list[int], str]:
    response = client.get("/staff/search", query_string={"q": query})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    return [int(found) for found in RESULT.findall(page)], page


def keys(opened: dict[str, tuple[int, str]], ids: list[int]) -> list[str]:
    by_id = {ticket_id: key for key, (ticket_id, _) in opened.items()}
    return [by_id[ticket_id] for ticket_id in ids]


@pytest.mark.parametrize(
    ("query", "expected", "marked"),
    [
        ("煤改气", ["coal", "heating"], "<mark>煤改气</mark>"),
        ("田字路", ["road"], "<mark>田字路</mark>"),
        ("垃圾分类", ["waste"], "<mark>垃圾分类</mark>"),
        ("道路", ["fields"], "<mark>道路</mark>"),
    ],
)
def test_chinese_phrases_find_the_right_tickets_ranked_and_marked(
    client: FlaskClient,
    opened: dict[str, tuple[int, str]],
    staff_login: Callable[..., Any],
    query: str,
    expected: list[str],
    marked: str,
) -> None:
    staff_login(client, role=Role.AGENT)
    ids, page = results(client, query)
    assert keys(opened, ids) == expected  # 煤改气: the ticket that says it most comes first
    assert marked in page
    assert f"{len(expected)} ticket" in page


def test_a_reference_jumps_to_its_ticket(
    client: FlaskClient, opened: dict[str, tuple[int, str]], staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.AGENT)
    road_id, road_reference = opened["road"]
    for query in (road_reference, road_reference.lower(), f"  {road_reference} "):
        response = client.get("/staff/search", query_string={"q": query})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/staff/tickets/{road_id}")


def test_part_of_a_reference_still_searches(
    client: FlaskClient, opened: dict[str, tuple[int, str]], staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.AGENT)
    road_id, road_reference = opened["road"]
    ids, _page = results(client, road_reference.rsplit("-", 1)[1])
    assert road_id in ids


def test_a_reference_the_user_may_not_see_does_not_jump(
    client: FlaskClient,
    opened: dict[str, tuple[int, str]],
    staff_login: Callable[..., Any],
    make_department: Callable[..., Any],
) -> None:
    make_department("housing")
    staff_login(client, role=Role.AGENT, department="housing")
    _, road_reference = opened["road"]
    ids, _page = results(client, road_reference)
    assert ids == []


def test_results_stay_within_the_users_scope(
    app: Flask,
    client: FlaskClient,
    opened: dict[str, tuple[int, str]],
    make_department: Callable[..., Any],
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    make_department("housing")
    set_fields(app, opened["heating"][0], department="housing")
    staff_login(client, role=Role.SUPERVISOR, department="egov")
    assert keys(opened, results(client, "煤改气")[0]) == ["coal"]

    admin = english(app.test_client())
    login(admin, make_user(role=Role.ADMIN, department=None))
    assert sorted(keys(opened, results(admin, "煤改气")[0])) == ["coal", "heating"]

    homeless = english(app.test_client())
    login(homeless, make_user(role=Role.AGENT, department=None))
    assert results(homeless, "煤改气")[0] == []


def test_snippets_escape_everything_but_the_marks(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    open_enquiry(
        app, subject="补贴", body='<b onclick="x()">煤改气</b> & <script>alert(1)</script>'
    )
    staff_login(client, role=Role.AGENT)
    _, page = results(client, "煤改气")
    (snippet,) = SNIPPET.findall(page)
    assert "<b" not in snippet and "<script" not in snippet
    assert (
        "&lt;b onclick=&#34;x()&#34;&gt;<mark>煤改气</mark>&lt;/b&gt; &amp; &lt;script&gt;"
        in snippet
    )
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_an_empty_query_shows_only_the_form(
    client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.AGENT)
    for url in ("/staff/search", "/staff/search?q=", "/staff/search?q=%20%20"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'name="q"' in page and 'role="search"' in page
        assert "found" not in page and "search-empty" not in page


HOSTILE_QUERIES = [
    '"',
    "'",
    '"煤改气',
    "' OR 1=1 --",
    "NEAR(煤改 气)",
    "煤改气 OR 垃圾",
    "*",
    "煤*",
    "a:*",
    "!煤改气 & | <-> ()",
    "\\",
    "%_",
    "\x00",
    "煤\x00改气",
    "{reference}",
    "<script>alert(1)</script>",
    "🙂🙂",
    "ـــ",
    "x" * 10_000 + " 煤改气",
    "田" * 500,
]


def test_hostile_queries_never_fail(
    client: FlaskClient, opened: dict[str, tuple[int, str]], staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.AGENT)
    failed = []
    for query in HOSTILE_QUERIES:
        response = client.get("/staff/search", query_string={"q": query})
        page = response.get_data(as_text=True)
        if response.status_code not in (200, 400) or "<script>alert(1)" in page:
            failed.append((query[:40], response.status_code))
    assert failed == []


def test_an_overlong_query_is_refused_with_a_message(
    client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.AGENT)
    response = client.get("/staff/search", query_string={"q": "田" * 501})
    assert response.status_code == 400
    assert "At most 500 characters." in response.get_data(as_text=True)


def test_the_inbox_has_a_search_box_that_goes_to_the_search_page(
    client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.AGENT)
    page = client.get("/staff").get_data(as_text=True)
    form = page[page.index('role="search"') - 200 :]
    assert 'action="/staff/search"' in form[: form.index("</form>")]
    assert 'name="q"' in form[: form.index("</form>")]
    assert '<label class="visually-hidden" for="inbox-search-q">' in page
