"""The open-data package: published answers and monthly statistics as CSV and JSON, in a ZIP.

Only what is already public goes in: the redacted copies of published answers and the
statistics with small groups withheld. The columns are stable: add new ones at the end.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from enquiry.models import Publication
from enquiry.reporting.spreadsheet_cells import safe_cell

ANSWER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Stable number of the published answer; its page is /questions/<id>."),
    ("url", "Address of the published answer."),
    ("title", "Title, with personal data removed."),
    ("kind", "question, suggestion, complaint, info_application or other."),
    ("department", "Department that answered (Chinese name)."),
    ("report_year", "Year of the annual report the enquiry concerns, if any."),
    ("report_section", "Number and heading of that report section, if any."),
    ("asked_on", "Date received (YYYY-MM-DD, Beijing time)."),
    ("answered_on", "Date answered (YYYY-MM-DD)."),
    ("working_days", "Working days from receipt to answer."),
    ("adoption", "For suggestions: adopted, partly_adopted or not_adopted."),
    ("adoption_reason", "For suggestions: the reason given."),
    ("question", "The question, personal data replaced by a marker."),
    ("answer", "The answer, personal data replaced by a marker."),
)
STATISTICS_DOC = (
    "monthly_statistics.csv: one row per figure and series; columns `year`, `figure`, `series`, "
    "then `1` to `12` (months). Cells counting 1 to 4 enquiries read `<5`; groups whose yearly "
    "total is below 5 are left out. Summary figures (share answered on time, median working "
    "days, satisfaction, report sections) carry their value in column `12`. The row "
    "`median_working_days_to_answer`, series `month`, gives the median working days from "
    "receipt to answer of the enquiries received in each month: `<5` when 1 to 4 of them were "
    "answered, empty when none were; it comes after all other rows of its year."
)


def answer_row(publication: Publication, url: str) -> dict[str, object]:
    """One published answer as a row of the open data."""
    ticket = publication.ticket
    section = ticket.report_section
    return {
        "id": publication.id,
        "url": url,
        "title": publication.title,
        "kind": ticket.kind.value,
        "department": ticket.department.name_zh,
        "report_year": section.report.year if section else "",
        "report_section": f"{section.number}{section.heading}" if section else "",
        "asked_on": publication.asked_on.isoformat(),
        "answered_on": publication.answered_on.isoformat(),
        "working_days": "" if publication.working_days is None else publication.working_days,
        "adoption": publication.adoption.value if publication.adoption else "",
        "adoption_reason": publication.adoption_reason or "",
        "question": publication.question,
        "answer": publication.answer,
    }


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def readme(licence: str, office: str, made_at: datetime) -> str:
    """The README of the package: what each file and column means, and the licence."""
    lines = [
        f"# {office}: open data",
        "",
        f"Made {made_at.isoformat(timespec='seconds')}. Licence: {licence}",
        "",
        "published_answers.csv / published_answers.json: every published question and answer.",
        "",
        *(f"- `{name}`: {doc}" for name, doc in ANSWER_COLUMNS),
        "",
        STATISTICS_DOC,
        "monthly_statistics.json holds the same rows as objects.",
        "",
        "CSV files are UTF-8 with a byte-order mark; text that a spreadsheet would read as a "
        "formula starts with an apostrophe.",
    ]
    return "\n".join(lines) + "\n"


def package(
    publications: Iterable[Publication],
    url_of: Callable[[Publication], str],
    statistics: dict[int, list[list[object]]],
    *,
    licence: str,
    office: str,
    made_at: datetime,
) -> bytes:
    """The ZIP: answers and statistics as CSV and JSON, and the README."""
    answers = [answer_row(p, url_of(p)) for p in publications]
    header = [name for name, _doc in ANSWER_COLUMNS]
    stats_rows = [[year, *row] for year, rows in statistics.items() for row in rows[1:]]
    stats_header = ["year", "figure", "series", *(str(m) for m in range(1, 13))]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", readme(licence, office, made_at))
        archive.writestr(
            "published_answers.csv", _csv(header, ([a[h] for h in header] for a in answers))
        )
        archive.writestr(
            "published_answers.json", json.dumps(answers, ensure_ascii=False, indent=1)
        )
        archive.writestr("monthly_statistics.csv", _csv(stats_header, stats_rows))
        archive.writestr(
            "monthly_statistics.json",
            json.dumps(
                [dict(zip(stats_header, r, strict=False)) for r in stats_rows],
                ensure_ascii=False,
                indent=1,
            ),
        )
    return buffer.getvalue()
