"""Published questions and answers: the list (searchable, filtered), one page each, attachments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request, url_for
from werkzeug.wrappers import Response

from enquiry.bounded import parse_id
from enquiry.domain.queries import choices
from enquiry.domain.queries import publications as published
from enquiry.extensions import db, limiter
from enquiry.labels import ADOPTION_LABELS, KIND_LABELS
from enquiry.models import Attachment, Kind, Publication, Report
from enquiry.public.blueprint import bp
from enquiry.staff.attachments import content_disposition
from enquiry.templating import current_locale

QUERY_MAX = 200
SEARCH_RATE_LIMIT = "60 per minute"
PAGE_MAX = 1000  # deeper pages are refused as malformed (the offset stays bounded)
LATEST_PER_SECTION = 3


@dataclass(frozen=True)
class SectionAnswers:
    """Published answers about one report section: how many, the latest, and the full list."""

    count: int
    latest: list[Publication]
    url: str


def filters_from(args: Any) -> published.Filters:
    """The list's filters from the query string; anything malformed is ignored."""
    kind = args.get("kind", "")
    year = parse_id(args.get("year"))
    return published.Filters(
        query=str(args.get("q", ""))[:QUERY_MAX],
        section_id=parse_id(args.get("section")),
        kind=Kind(kind) if kind in {k.value for k in Kind} else None,
        department_id=parse_id(args.get("department")),
        year=year if year is not None and 1990 <= year <= 2200 else None,
    )


@bp.get("/questions")
@limiter.limit(SEARCH_RATE_LIMIT)
def questions() -> str:
    """All published questions and answers, newest first, searchable and filtered."""
    filters = filters_from(request.args)
    page = parse_id(request.args.get("page")) or 1
    page = page if page <= PAGE_MAX else 1
    size = published.PAGE_SIZE
    rows = published.list_published(db.session, filters, limit=size + 1, offset=(page - 1) * size)
    return render_template(
        "public/questions.html",
        rows=rows[:size],
        previous_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if len(rows) > size else None,
        filters=filters,
        kinds=[  # a request about one's own data is never published
            (k.value, str(label)) for k, label in KIND_LABELS.items() if k is not Kind.PERSONAL_DATA
        ],
        departments=[
            (d.id, d.name_for(current_locale())) for d in choices.active_departments(db.session)
        ],
        adoption_labels=ADOPTION_LABELS,
    )


def page_url(page: int) -> str:
    """This list, same search and filters, at another page."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    if page > 1:
        args["page"] = page
    return url_for("public.questions", **args)


@bp.get("/questions/<id:publication_id>")
def question(publication_id: int) -> str:
    """One published question and its answer, at a stable address."""
    found = published.published(db.session, publication_id)
    if found is None:
        abort(404)
    return render_template(
        "public/question.html",
        publication=found,
        attachments=published_attachments(found),
        adoption_labels=ADOPTION_LABELS,
        kind_label=KIND_LABELS[found.ticket.kind],
    )


@bp.get("/questions/<id:publication_id>/attachments/<id:file_id>")
def question_attachment(publication_id: int, file_id: int) -> Response:
    """An attachment staff chose to publish with the answer (downloaded, never inline)."""
    found = published.published(db.session, publication_id)
    chosen = {a.id: a for a in published_attachments(found)} if found else {}
    if file_id not in chosen:
        abort(404)
    stored = chosen[file_id]
    response = Response(
        published.attachment_data(db.session, stored), content_type="application/octet-stream"
    )
    response.headers["Content-Disposition"] = content_disposition(stored.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    return response


def published_attachments(publication: Publication) -> list[Attachment]:
    """The attachments chosen one by one for publication."""
    chosen = set((publication.choices or {}).get("attachments", []))
    return [
        a
        for m in publication.ticket.messages
        for a in m.attachments
        if a.id in chosen and m.kind.value == "reply"
    ]


def section_answers(report: Report) -> dict[str, SectionAnswers]:
    """Per section anchor of the report: its published answers (for the report page)."""
    by_section: dict[int, list[Publication]] = {}
    for row in published.published_in_report(db.session, report.id):
        by_section.setdefault(row.ticket.report_section_id or 0, []).append(row)
    return {
        section.anchor: SectionAnswers(
            count=len(rows),
            latest=rows[:LATEST_PER_SECTION],
            url=url_for("public.questions", section=section.id),
        )
        for section in report.sections
        if (rows := by_section.get(section.id))
    }
