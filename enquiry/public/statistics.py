"""/statistics (charts and CSV, small groups withheld) and /open-data (a ZIP of CSV and JSON)."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for

from enquiry.bounded import parse_id
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import publications as published
from enquiry.extensions import db
from enquiry.models import Publication, utcnow
from enquiry.public.blueprint import bp
from enquiry.public.feeds import absolute
from enquiry.reporting import figures as stats
from enquiry.reporting import open_data
from enquiry.reporting import public_figures as public
from enquiry.reporting.scope import department_names
from enquiry.reporting.spreadsheet_cells import safe_cell
from enquiry.rules import deadlines
from enquiry.templating import current_locale

FIRST_YEAR = 2008
OPEN_DATA_YEARS = 3  # this year and the two before


def this_year() -> int:
    return utcnow().astimezone(deadlines.BEIJING).year


def chosen_year() -> int:
    """The year asked for in ?year=, within the years there can be figures for."""
    year = parse_id(request.args.get("year"))
    return year if year is not None and FIRST_YEAR <= year <= this_year() else this_year()


def figures_for(year: int) -> public.PublicFigures:
    """The year's figures with every group smaller than five withheld."""
    today = utcnow().astimezone(deadlines.BEIJING).date()
    calendar = policy_from_config(current_app.config).calendar
    raw = stats.mailbox_figures(db.session, year, today=today, calendar=calendar)
    adoption = published.adoption_counts(
        db.session, stats.year_start(year), stats.year_start(year + 1)
    )
    return public.public_figures(raw, public.section_counts(db.session, year), adoption)


@bp.get("/statistics")
def statistics() -> str:
    """Monthly volumes, punctuality, speed, satisfaction and top sections, as charts."""
    year = chosen_year()
    found = figures_for(year)
    names = department_names(db.session, current_locale())
    return render_template(
        "public/statistics.html",
        year=year,
        figures=found,
        charts=public.public_charts(found, names),
        years=list(range(this_year(), max(FIRST_YEAR, this_year() - 5) - 1, -1)),
        minimum=public.MINIMUM,
    )


@bp.get("/statistics.csv")
def statistics_csv() -> Response:
    """The same figures as CSV."""
    year = chosen_year()
    rows = public.public_rows(figures_for(year), department_names(db.session, "zh_Hans"))
    body = "\r\n".join(",".join(_csv_cell(v) for v in row) for row in rows) + "\r\n"
    return _download(body.encode("utf-8-sig"), "text/csv", f"statistics-{year}.csv")


def _csv_cell(value: object) -> str:
    text = str(safe_cell(value))
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


@bp.get("/open-data")
def open_data_page() -> str:
    """What the open-data package holds, its columns and its licence."""
    return render_template(
        "public/open_data.html",
        columns=open_data.ANSWER_COLUMNS,
        statistics_doc=open_data.STATISTICS_DOC,
        licence=current_app.config["OPEN_DATA_LICENCE"],
    )


@bp.get("/open-data.zip")
def open_data_zip() -> Response:
    """The package: published answers and monthly statistics as CSV and JSON, with a README."""
    rows = published.every_published(db.session)
    names = department_names(db.session, "zh_Hans")
    years = range(this_year() - OPEN_DATA_YEARS + 1, this_year() + 1)
    data = open_data.package(
        rows,
        _url_of,
        {y: public.public_rows(figures_for(y), names) for y in years},
        licence=str(current_app.config["OPEN_DATA_LICENCE"]),
        office=str(current_app.config["OFFICE_NAME"]),
        made_at=utcnow(),
    )
    return _download(data, "application/zip", "open-data.zip")


def _url_of(publication: Publication) -> str:
    return absolute(url_for("public.question", publication_id=publication.id))


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
