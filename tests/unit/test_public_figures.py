"""Public statistics withhold every group of one to four."""

from datetime import date

from enquiry.models import Channel, Kind, Rating, Status
from enquiry.reporting import mailbox, public_figures
from enquiry.rules import deadlines


def figures(**overrides):
    zero = (0,) * 12
    fields = {
        "year": 2026,
        "total_by_month": (7, 3, 0, *zero[3:]),
        "by_kind": {Kind.QUESTION: (7, 0, 0, *zero[3:]), Kind.COMPLAINT: (0, 3, 0, *zero[3:])},
        "by_channel": {},
        "by_department": {1: (7, 3, 0, *zero[3:])},
        "median_first_response": 1.0,
        "median_answer": 2.0,
        "monthly_median_first_response": (None,) * 12,
        "monthly_median_answer": (None,) * 12,
        "answered_on_time": 3,
        "answered_late": 1,
        "overdue_unanswered": 0,
        "satisfaction": {Rating.SATISFIED: 6, Rating.DISSATISFIED: 2},
    }
    return mailbox.MailboxFigures(**(fields | overrides))


def test_small_cells_and_groups_are_withheld():
    found = public_figures.public_figures(figures(), [("2025 一、总体情况", 9), ("x", 2)])
    assert found.total_by_month[:3] == (7, None, 0)
    assert set(found.by_kind) == {Kind.QUESTION}  # complaints: 3 in the year, left out
    assert found.by_department[1][:2] == (7, None)
    assert found.on_time_share is None and found.median_answer is None  # 4 answered
    assert found.satisfaction == {Rating.SATISFIED: 6, Rating.DISSATISFIED: None}
    assert found.top_sections == [("2025 一、总体情况", 9)]


def test_monthly_median_days_to_answer_withheld_below_five_answers():
    zero = (0,) * 12
    raw = figures(
        monthly_median_answer=(2.5, 4.0, None, *(None,) * 9),
        monthly_answered=(6, 3, 0, *zero[3:]),
    )
    found = public_figures.public_figures(raw, [])
    assert found.median_answer_by_month[:3] == (2.5, None, None)
    rows = public_figures.public_rows(found, {1: "办公室"})
    assert rows[-1] == ["median_working_days_to_answer", "month", 2.5, "<5", "", *[""] * 9]
    assert [len(row) for row in rows] == [14] * len(rows)  # the columns stay as they were


def test_summarise_counts_answers_per_month_received():
    def times(received, answered):
        return mailbox.TicketTimes(
            kind=Kind.QUESTION,
            channel=Channel.WEB,
            department_id=1,
            status=Status.CLOSED,
            received_on=received,
            due_on=None,
            first_response_on=answered,
            answered_on=answered,
        )

    tickets = [times(date(2026, 3, 2), date(2026, 3, 2 + n)) for n in range(6)]
    tickets.append(times(date(2026, 4, 1), None))
    raw = mailbox.summarise(
        tickets, 2026, today=date(2026, 6, 1), calendar=deadlines.WorkCalendar.national()
    )
    assert raw.monthly_answered[2:4] == (6, 0)
    found = public_figures.public_figures(raw, [])
    assert found.median_answer_by_month[2] == raw.monthly_median_answer[2]
    assert found.median_answer_by_month[3] is None
