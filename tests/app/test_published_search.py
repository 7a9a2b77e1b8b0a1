"""/questions search goes through the index of public copies: their redacted text, nothing else."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.domain import handling
from enquiry.domain.queries import publications as published
from enquiry.extensions import db
from enquiry.models import Kind, PublicationSearchDocument, Role, Ticket
from enquiry.search import tokenizer
from tests.app.conftest import english
from tests.app.test_publishing import (
    LATER,
    SECRETS,
    open_answered,
    post,
    publication_of,
    publish,
    with_report_section,
)

NOTE_WORD = "内部备忘录甲乙丙"  # only in the ticket's internal note, never in the public copy


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


@pytest.fixture
def clients(app: Flask, staff_login: Callable[..., Any]) -> tuple[FlaskClient, FlaskClient]:
    agent = english(app.test_client())
    staff_login(agent, role=Role.AGENT)
    supervisor = english(app.test_client())
    staff_login(supervisor, role=Role.SUPERVISOR)
    return agent, supervisor


def add_note(app: Flask, ticket_id: int, body: str) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        handling.add_note(db.session, ticket, body, actor=audit.Actor.system(), now=LATER)
        db.session.commit()


def found_ids(client: FlaskClient, query: str, **filters: Any) -> list[int]:
    """The publication ids listed by /questions for this search."""
    response = client.get("/questions", query_string={"q": query, **filters})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return [int(n) for n in _links(text)]


def _links(text: str) -> list[str]:
    return re.findall(r'href="/questions/(\d+)"', text)


def test_search_finds_published_text_and_never_a_redacted_or_original_only_word(
    app, clients, client
):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    add_note(app, ticket_id, f"{NOTE_WORD}：请核实")
    section_id = with_report_section(app, ticket_id)
    publication_id = publish(app, agent, supervisor, ticket_id)
    for words in ("垃圾站", "整改", "垃圾站 整改", "气味"):
        assert found_ids(client, words) == [publication_id], words
    for hidden in (*SECRETS, "wangjg", "13812345678", NOTE_WORD, "王建国 垃圾站"):
        assert found_ids(client, hidden) == [], hidden
    with app.app_context():
        document = db.session.scalar(sa.select(PublicationSearchDocument.document))
    indexed = set(document.split())
    for hidden in (*SECRETS, NOTE_WORD):
        assert not set(tokenizer.query_tokens(hidden)) <= indexed, hidden
    # Filters are applied in SQL together with the search.
    assert found_ids(client, "垃圾站", section=section_id) == [publication_id]
    assert found_ids(client, "垃圾站", section=section_id + 1) == []
    assert found_ids(client, "垃圾站", kind="question") == [publication_id]
    assert found_ids(client, "垃圾站", kind="suggestion") == []
    assert found_ids(client, "垃圾站", year=LATER.year) == [publication_id]
    assert found_ids(client, "垃圾站", year=LATER.year - 1) == []
    assert found_ids(client, "!!!") == []  # no token at all: nothing matches


def test_an_edited_title_is_searchable_and_drafts_or_withdrawn_copies_are_not(app, clients, client):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    base = f"/staff/tickets/{ticket_id}/publication"
    post(agent, f"{base}/prepare")
    post(agent, f"{base}/save", {"title": "小区环境卫生整治"})
    assert found_ids(client, "垃圾站") == []  # a draft is indexed but not public
    post(agent, f"{base}/submit")
    post(supervisor, f"{base}/approve")
    publication_id = publication_of(app, ticket_id).id
    assert found_ids(client, "环境卫生") == [publication_id]
    post(supervisor, f"{base}/unpublish")
    assert found_ids(client, "环境卫生") == []


def test_results_come_in_pages(app, clients, client, monkeypatch):
    agent, supervisor = clients
    ids = [publish(app, agent, supervisor, open_answered(app)[0]) for _ in range(3)]
    monkeypatch.setattr(published, "PAGE_SIZE", 2)
    first = client.get("/questions?q=垃圾站").get_data(as_text=True)
    assert len(set(_links(first))) == 2 and "page=2" in first
    second = client.get("/questions?q=垃圾站&page=2").get_data(as_text=True)
    assert len(set(_links(second))) == 1 and "page=3" not in second
    assert set(_links(first)) | set(_links(second)) == {str(n) for n in ids}
    unfiltered = client.get("/questions?page=2").get_data(as_text=True)
    assert _links(unfiltered) == [str(min(ids))]  # newest first: the oldest on page 2
    assert client.get("/questions?page=abc").status_code == 200


def test_the_index_follows_every_copy_and_reindex_rebuilds_it(app, clients, runner):
    agent, supervisor = clients
    publish(app, agent, supervisor, open_answered(app, kind=Kind.QUESTION)[0])
    with app.app_context():
        db.session.execute(sa.delete(PublicationSearchDocument))
        db.session.commit()
        assert published.list_published(db.session, published.Filters(query="垃圾站")) == []
    result = runner.invoke(args=["search", "reindex"])
    assert "1 published answers" in result.output
    with app.app_context():
        assert len(published.list_published(db.session, published.Filters(query="垃圾站"))) == 1


def test_similar_answers_come_from_the_index_of_public_text(app, clients, client):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    add_note(app, ticket_id, f"{NOTE_WORD}：请核实")
    publication_id = publish(app, agent, supervisor, ticket_id)

    def similar(subject: str) -> list[int]:
        response = client.get("/questions/similar", query_string={"subject": subject})
        return [int(n) for n in _links(response.get_data(as_text=True))]

    assert similar("小区垃圾站气味") == [publication_id]
    for hidden in ("王建国 解放北路123号", "wangjg example", NOTE_WORD):
        assert similar(hidden) == [], hidden


def test_the_kind_filter_offers_only_kinds_that_can_be_published(client):
    page = client.get("/questions").get_data(as_text=True)
    assert 'value="question"' in page and 'value="info_application"' in page
    assert 'value="personal_data"' not in page  # a request about one's own data stays private
