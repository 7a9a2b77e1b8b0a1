"""Full-text search over the tickets a user may see, ranked, with the matches highlighted."""

from __future__ import annotations

import logging
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from enquiry.domain.queries import tickets as loaded
from enquiry.extensions import db
from enquiry.labels import KIND_LABELS, plain
from enquiry.rules import references
from enquiry.search import index as search_index
from enquiry.staff.access import current_staff
from enquiry.staff.blueprint import bp
from enquiry.staff.forms import STATUS_LABELS
from enquiry.staff.ticket_forms import SearchForm
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

RESULT_LIMIT = 50


def hit_view(hit: search_index.SearchHit, locale: str) -> dict[str, Any]:
    """Ready-to-show values of one result; the snippet stays segments, escaped by the template."""
    ticket = hit.ticket
    return {
        "url": url_for("staff.ticket", ticket_id=ticket.id),
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": plain(STATUS_LABELS)[ticket.status],
        "kind": plain(KIND_LABELS)[ticket.kind],
        "department": ticket.department.name_for(locale),
        "snippet": [{"text": s.text, "is_match": s.is_match} for s in hit.snippet],
    }


def reference_jump(query: str) -> Response | None:
    """Return a redirect to the ticket when the query is exactly a reference the user may see."""
    if not references.REFERENCE_PATTERN.match(references.normalize_reference(query)):
        return None
    ticket = loaded.visible_ticket_by_reference(db.session, current_staff(), query)
    return redirect(url_for("staff.ticket", ticket_id=ticket.id)) if ticket else None


@bp.get("/search", endpoint="search")
def search() -> Response | tuple[str, int]:
    """Search by words, Chinese phrases or a reference; an empty query shows only the form."""
    form = SearchForm(formdata=request.args)
    query = (form.q.data or "").strip()
    if not query:
        return render_template("staff/search.html", form=form, query="", hits=None), 200
    if not form.validate():
        return render_template("staff/search.html", form=form, query=query, hits=None), 400
    if jump := reference_jump(query):
        return jump
    hits = loaded.search(db.session, current_staff(), query, RESULT_LIMIT)
    locale = current_locale()
    views = [hit_view(hit, locale) for hit in hits]
    return render_template("staff/search.html", form=form, query=query, hits=views), 200
