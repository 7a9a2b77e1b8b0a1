"""The dashboard's content: the mailbox figures as charts and as CSV rows, translated."""

from __future__ import annotations

from typing import Any

from babel.dates import get_month_names
from flask_babel import get_locale
from flask_babel import gettext as _

from enquiry.domain.satisfaction import RATING_LABELS
from enquiry.labels import CHANNEL_LABELS, KIND_LABELS
from enquiry.reporting import charts, mailbox

GOOD_TO_BAD = ("chart-good", "chart-fair", "chart-bad")
# The five 好差评 grades, best first: 好评, 基本满意, 差评.
RATING_CLASSES = ("chart-good", "chart-good", "chart-fair", "chart-bad", "chart-bad")


def month_names() -> list[str]:
    names = get_month_names("abbreviated", context="stand-alone", locale=get_locale())
    return [str(names[month]) for month in mailbox.MONTHS]


def dashboard_charts(figures: mailbox.MailboxFigures, departments: dict[int, str]) -> list[Any]:
    """Return the dashboard's charts, ready for the macro."""
    months, month_heading = month_names(), _("Month")
    by_department = {departments.get(d, str(d)): sum(v) for d, v in figures.by_department.items()}
    punctuality = {
        _("Answered on time"): figures.answered_on_time,
        _("Answered late"): figures.answered_late,
        _("Overdue, not answered"): figures.overdue_unanswered,
    }
    ratings = {str(RATING_LABELS[r]): n for r, n in figures.satisfaction.items()}
    count = _("Number")
    return [
        charts.bar_chart(
            "chart-volume",
            _("Enquiries received per month"),
            _("%(n)d enquiries received in %(year)d.", n=figures.total, year=figures.year),
            months,
            figures.total_by_month,
            value_heading=count,
            category_heading=month_heading,
        ),
        charts.line_chart(
            "chart-kind",
            _("Enquiries per month by kind"),
            _("One line per kind of enquiry."),
            months,
            [(str(KIND_LABELS[k]), v) for k, v in figures.by_kind.items()],
            category_heading=month_heading,
        ),
        charts.line_chart(
            "chart-channel",
            _("Enquiries per month by channel"),
            _("One line per channel: web form, e-mail, post and in person."),
            months,
            [(str(CHANNEL_LABELS[c]), v) for c, v in figures.by_channel.items()],
            category_heading=month_heading,
        ),
        charts.hbar_chart(
            "chart-department",
            _("Enquiries by department"),
            _("Enquiries received in the year, per department handling them."),
            list(by_department),
            list(by_department.values()),
            value_heading=count,
            category_heading=_("Department"),
        ),
        charts.line_chart(
            "chart-speed",
            _("Median working days to respond, by month of receipt"),
            _("Working days from receipt to the first response and to the answer."),
            months,
            [
                (_("First response"), figures.monthly_median_first_response),
                (_("Answer"), figures.monthly_median_answer),
            ],
            category_heading=month_heading,
        ),
        charts.hbar_chart(
            "chart-punctuality",
            _("Answered on time"),
            _("Answers on or before the due date, late answers, and overdue open enquiries."),
            list(punctuality),
            list(punctuality.values()),
            value_heading=count,
            category_heading=_("Result"),
            classes=GOOD_TO_BAD,
        ),
        charts.hbar_chart(
            "chart-satisfaction",
            _("Satisfaction"),
            _("Ratings given by citizens in the year."),
            list(ratings),
            list(ratings.values()),
            value_heading=count,
            category_heading=_("Rating"),
            classes=RATING_CLASSES,
        ),
    ]


def dashboard_rows(
    figures: mailbox.MailboxFigures, departments: dict[int, str]
) -> list[list[object]]:
    """Return the dashboard's figures as CSV rows: monthly series, then the summary."""
    rows: list[list[object]] = [
        [_("Figure"), _("Series"), *mailbox.MONTHS, _("Total")],
        [_("Received"), _("All"), *figures.total_by_month, figures.total],
    ]
    series: list[tuple[str, dict[Any, tuple[int, ...]], dict[Any, Any]]] = [
        (_("Kind"), dict(figures.by_kind), dict(KIND_LABELS)),
        (_("Channel"), dict(figures.by_channel), dict(CHANNEL_LABELS)),
        (_("Department"), dict(figures.by_department), dict(departments)),
    ]
    for heading, values, labels in series:
        for key, monthly in values.items():
            rows.append([heading, str(labels.get(key, key)), *monthly, sum(monthly)])
    summary: list[tuple[str, object]] = [
        (_("Median working days to first response"), figures.median_first_response),
        (_("Median working days to answer"), figures.median_answer),
        (_("Answered on time"), figures.answered_on_time),
        (_("Answered late"), figures.answered_late),
        (_("Overdue, not answered"), figures.overdue_unanswered),
        (_("Share answered on time"), figures.on_time_share),
        *((str(RATING_LABELS[r]), n) for r, n in figures.satisfaction.items()),
    ]
    rows.extend([name, "", *([""] * 12), "" if value is None else value] for name, value in summary)
    return rows
