"""The API's departments, report sections, figures and its OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from enquiry.api.openapi import path_of
from enquiry.models import Role

Factory = Callable[..., Any]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_departments_and_report_sections(
    client: FlaskClient, make_user: Factory, make_token: Factory
) -> None:
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    departments = client.get("/api/v1/departments", headers=headers).get_json()["items"]
    assert "egov" in [d["code"] for d in departments]
    sections = client.get("/api/v1/report-sections", headers=headers)
    assert sections.status_code == 200 and isinstance(sections.get_json()["items"], list)


def test_figures_for_leads_in_their_scope(
    client: FlaskClient,
    make_department: Factory,
    make_user: Factory,
    make_ticket: Factory,
    make_token: Factory,
) -> None:
    housing = make_department("housing")
    make_ticket()
    agent = bearer(make_token(make_user(role=Role.AGENT)))
    supervisor = bearer(make_token(make_user(role=Role.SUPERVISOR)))
    admin = bearer(make_token(make_user(role=Role.ADMIN, department=None)))
    assert client.get("/api/v1/figures/dashboard?year=2024", headers=agent).status_code == 403
    other = f"/api/v1/figures/dashboard?year=2024&department_id={housing.id}"
    assert client.get(other, headers=supervisor).status_code == 403
    dashboard = client.get("/api/v1/figures/dashboard?year=2024", headers=admin).get_json()
    assert dashboard["total"] == 1 and len(dashboard["total_by_month"]) == 12
    table = client.get("/api/v1/figures/annual?year=2024", headers=supervisor)
    assert table.status_code == 200
    assert "total" in table.get_json()["columns"]
    bad = client.get("/api/v1/figures/annual?year=nineteen", headers=admin)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "year"


def test_the_openapi_document_validates_and_lists_every_api_route(
    app: Flask, client: FlaskClient
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path, _ = path_of(rule.rule)
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                operation = document["paths"][path][method.lower()]
                assert operation["summary"], rule.endpoint
