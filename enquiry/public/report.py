"""The annual report page: every section with its anchor and an "ask about this" link."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, redirect, render_template, url_for
from flask_babel import format_date, gettext
from werkzeug.wrappers import Response

from enquiry.domain.queries import public as visible
from enquiry.extensions import db
from enquiry.models import ReportSection
from enquiry.public.blueprint import bp
from enquiry.public.questions import section_answers
from enquiry.rules.report_split import CLOSING_ANCHOR, INTRO_ANCHOR


@dataclass
class SectionView:
    """A section ready to render: label, heading tag, paragraphs, link, and its TOC children."""

    anchor: str
    number: str
    label: str
    is_report_text: bool  # False when the label is in the reader's language (intro, closing)
    level: int
    heading_tag: str
    paragraphs: list[str]
    ask_url: str
    children: list[SectionView] = field(default_factory=list)


@bp.get("/report")
def reports() -> Response:
    """Send the reader to the latest report."""
    year = visible.latest_report_year(db.session)
    if year is None:
        abort(404)
    return redirect(url_for("public.report", year=year))


@bp.get("/report/<id:year>")
def report(year: int) -> str:
    """Show a report with an anchor and an "ask about this" link per section."""
    found = visible.report_for_year(db.session, year)
    if found is None:
        abort(404)
    sections = [section_view(section, year) for section in found.sections]
    return render_template(
        "public/report.html",
        report=found,
        published_on=format_date(found.published_on, "long") if found.published_on else None,
        source_href=safe_href(found.source_url),
        sections=sections,
        toc=table_of_contents(sections),
        ask_url=url_for("public.ask", report=year),
        answers=section_answers(found),
    )


def section_view(section: ReportSection, year: int) -> SectionView:
    """Prepare one stored section for the template."""
    labels = {INTRO_ANCHOR: gettext("Introduction"), CLOSING_ANCHOR: gettext("Closing remarks")}
    return SectionView(
        anchor=section.anchor,
        number=section.number,
        label=labels.get(section.anchor, section.heading),
        is_report_text=section.anchor not in labels,
        level=section.level,
        heading_tag=f"h{min(section.level + 1, 6)}",
        paragraphs=[paragraph for paragraph in section.body.split("\n\n") if paragraph],
        ask_url=url_for("public.ask", report=year, section=section.anchor),
    )


def table_of_contents(sections: list[SectionView]) -> list[SectionView]:
    """Nest the sections by heading level for the table of contents."""
    roots: list[SectionView] = []
    stack: list[SectionView] = []
    for section in sections:
        section.children = []
        while stack and stack[-1].level >= section.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(section)
        stack.append(section)
    return roots


def safe_href(url: str | None) -> str | None:
    """Return the source URL when it is a web address that is safe to link to."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None
