"""The OpenAPI 3.1 document, built from the routes and their pydantic models.

Each view carries its description (`documented`); the document walks the URL map, so a route
without one is still listed and a test notices. Pydantic writes JSON Schema 2020-12, which is
what OpenAPI 3.1 uses, so the schemas need no translation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app
from pydantic import BaseModel
from werkzeug.wrappers import Response

from enquiry.api.blueprint import PUBLIC_ENDPOINTS, bp, json_response
from enquiry.api.schemas import ErrorBody

F = TypeVar("F", bound=Callable[..., Any])
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Bad request",
    401: "No valid token",
    403: "The role does not allow it",
    404: "Not found (or not in the token's scope)",
    409: "Illegal transition",
    412: "Stale If-Match",
    422: "Invalid value (see error.field)",
    429: "Rate limit",
}


@dataclass(frozen=True)
class Operation:
    """What the document says about one route."""

    summary: str
    response: type[BaseModel] | None = None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = (401, 429)
    if_match: bool = False
    etag: bool = False


def documented(**fields: Any) -> Callable[[F], F]:
    """Attach the OpenAPI description of a view."""

    def decorator(view: F) -> F:
        view.openapi = Operation(**fields)  # type: ignore[attr-defined]
        return view

    return decorator


def path_of(rule: str) -> tuple[str, list[str]]:
    """Return the OpenAPI path of a Flask rule and its parameter names."""
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule), names


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _content(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schemas[model.__name__] = model.model_json_schema(ref_template=REF_TEMPLATE)
    for name, definition in schemas[model.__name__].pop("$defs", {}).items():
        schemas[name] = definition
    return {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}}


def operation(op: Operation, endpoint: str, params: list[str], schemas: dict[str, Any]) -> Any:
    """Return the OpenAPI operation object of a route."""
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
        for name in params
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if op.if_match:
        parameters.append({"name": "If-Match", "in": "header", "schema": {"type": "string"}})
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        ok["content"] = _content(op.response, schemas)
    if op.etag:
        ok["headers"] = {"ETag": {"schema": {"type": "string"}}}
    error = _content(ErrorBody, schemas)
    responses = {str(op.status): ok}
    responses |= {str(c): {"description": ERROR_TEXT[c], "content": error} for c in op.errors}
    found: dict[str, Any] = {"operationId": endpoint, "summary": op.summary}
    found |= {"parameters": parameters, "responses": responses}
    if endpoint in PUBLIC_ENDPOINTS:
        found["security"] = []
    if op.body is not None:
        found["requestBody"] = {"required": True, "content": _content(op.body, schemas)}
    return found


def document() -> dict[str, Any]:
    """Return the OpenAPI document of every /api/v1 route."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{bp.name}."):
            continue
        op = getattr(current_app.view_functions[rule.endpoint], "openapi", Operation(""))
        path, params = path_of(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            spec = operation(op, rule.endpoint, params, schemas)
            paths.setdefault(path, {})[method.lower()] = spec
    return {
        "openapi": "3.1.0",
        "info": {"title": "Enquiry API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json", endpoint="openapi")
@documented(summary="This document (no token needed)", errors=())
def openapi() -> Response:
    """Serve the OpenAPI document."""
    return json_response(document())
