"""The Atom feed of published answers and the sitemap of the public pages."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, make_response, render_template, url_for
from werkzeug.wrappers import Response

from enquiry.domain.queries import public as visible
from enquiry.domain.queries import publications as published
from enquiry.extensions import db
from enquiry.public.blueprint import bp

FEED_ENTRIES = 50


def absolute(path: str) -> str:
    """The public address of a path, from the configured base URL (not the request's host)."""
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + path


@bp.get("/questions/feed.atom")
def questions_feed() -> Response:
    """The latest published answers as an Atom feed."""
    rows = published.list_published(db.session, published.Filters(), limit=FEED_ENTRIES)
    updated = max((p.published_at for p in rows if p.published_at), default=None)
    body = render_template(
        "public/feed.xml",
        rows=rows,
        updated=(updated or datetime(2000, 1, 1, tzinfo=UTC)).isoformat(),
        feed_url=absolute(url_for("public.questions_feed")),
        list_url=absolute(url_for("public.questions")),
        entry_url=lambda p: absolute(url_for("public.question", publication_id=p.id)),
    )
    response = make_response(body)
    response.content_type = "application/atom+xml; charset=utf-8"
    return response


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every public page worth indexing: home, reports, the list and each published answer."""
    urls = [absolute(url_for("public.index")), absolute(url_for("public.questions"))]
    urls += [
        absolute(url_for("public.report", year=r.year))
        for r in visible.reports_newest_first(db.session)
    ]
    urls += [
        absolute(url_for("public.question", publication_id=p.id))
        for p in published.list_published(
            db.session, published.Filters(), limit=published.SITEMAP_MAX
        )
    ]
    response = make_response(render_template("public/sitemap.xml", urls=urls))
    response.content_type = "application/xml; charset=utf-8"
    return response
