"""The hostile strings, sent to the API as JSON and query strings: stored as sent, or refused.

Never a 500, never a changed value: each string is either kept exactly (after trimming and NFC,
as the forms do) or refused with 422/400 in the one error shape.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import Message, Role, Status
from tests.hostile_strings import HOSTILE_STRINGS

Factory = Callable[..., Any]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def headers(make_user: Factory, make_token: Factory) -> dict[str, str]:
    return bearer(make_token(make_user(role=Role.ADMIN, department=None)))


def test_hostile_notes_are_stored_exactly_or_refused(
    app: Flask, client: FlaskClient, make_ticket: Factory, headers: dict[str, str]
) -> None:
    ticket = make_ticket(status=Status.IN_PROGRESS)
    for text in HOSTILE_STRINGS:
        response = client.post(
            f"/api/v1/tickets/{ticket.id}/notes", json={"body": text}, headers=headers
        )
        assert response.status_code in {201, 422}, (text[:40], response.status_code)
        assert set(response.get_json()) <= {
            "error",
            "id",
            "kind",
            "channel",
            "author_id",
            "body",
            "created_at",
            "attachments",
        }
        if response.status_code == 201:
            with app.app_context():
                stored = db.session.get(Message, response.get_json()["id"])
                assert stored is not None
                assert stored.body == unicodedata.normalize("NFC", text).strip()


def test_hostile_query_strings_are_refused_or_ignored(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    for text in HOSTILE_STRINGS[:30]:
        for name in ("kind", "assignee", "after", "sort", "received_from", "limit", "unknown"):
            response = client.get("/api/v1/tickets", query_string={name: text}, headers=headers)
            assert response.status_code in {200, 400, 422}, (name, text[:40])
            if response.status_code != 200:
                assert set(response.get_json()["error"]) == {"code", "message", "field"}
