"""Public statistics withhold every group of one to four."""

from enquiry.models import Kind, Rating
from enquiry.reporting import mailbox, public_figures


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
