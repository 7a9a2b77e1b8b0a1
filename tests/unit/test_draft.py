"""The report draft's sentences from fixed figures, and the verifier's agreement with the chain."""

from datetime import date

from enquiry.audit import canonical, keys, verify_bundle
from enquiry.models import Channel, Kind, Rating, Status
from enquiry.reporting import annual, draft, table4
from enquiry.reporting.mailbox import TicketTimes


def times(kind: Kind, answered: date | None, due: date = date(2024, 3, 10)) -> TicketTimes:
    status = Status.ANSWERED if answered else Status.IN_PROGRESS
    return TicketTimes(kind, Channel.WEB, 1, status, date(2024, 3, 1), due, answered, answered)


TICKETS = [
    times(Kind.QUESTION, date(2024, 3, 5)),
    times(Kind.QUESTION, date(2024, 3, 20)),  # late
    times(Kind.SUGGESTION, None),
    times(Kind.COMPLAINT, date(2024, 3, 10)),
    times(Kind.INFO_APPLICATION, date(2024, 3, 2)),  # not an enquiry: left out
]


def test_kind_figures_count_received_answered_and_on_time() -> None:
    figures = {f.name: (f.received, f.answered, f.on_time) for f in draft.kind_figures(TICKETS)}
    assert figures == {"咨询": (2, 2, 1), "建议": (1, 0, 0), "投诉": (1, 1, 1)}


def test_the_figures_become_sentences() -> None:
    ratings = {Rating.SATISFIED: 3, Rating.BASICALLY_SATISFIED: 1, Rating.DISSATISFIED: 1}
    text = "".join(draft.enquiry_sentences(draft.kind_figures(TICKETS), ratings))
    assert "共受理群众咨询、建议、投诉4件，其中咨询2件，建议1件，投诉1件。" in text
    assert "已答复3件，答复率75.0%；按期答复2件，按期答复率50.0%。" in text
    assert "咨询答复2件，按期答复1件，按期答复率50.0%" in text
    assert "回访评价5件，其中满意3件、基本满意1件、不满意1件，满意率（含基本满意）80.0%。" in text
    assert draft.enquiry_sentences([], {})[-1] == "本年度未收到回访评价。"


def test_the_draft_has_six_parts_with_the_tables_in_three_and_four() -> None:
    built = draft.build_draft(
        year=2024, office="某局", table3=annual.build_table([], 2024),
        table_four=table4.build_table4([], 2024), tickets=TICKETS, ratings={},
        today=date(2025, 1, 10),
    )  # fmt: skip
    assert built.title == "某局2024年政府信息公开工作年度报告"
    assert [p.heading[:2] for p in built.parts] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert [b.kind for b in built.parts[2].blocks] == ["table3"]
    assert [b.kind for b in built.parts[3].blocks] == ["table4"]
    fields = [b for p in built.parts for b in p.blocks if isinstance(b, draft.Field)]
    assert all(f.marker.startswith("【待填写：") for f in fields) and len(fields) == 6


def test_the_verifier_hashes_like_the_chain() -> None:
    fields = {"ticket_id": 3, "action": "ticket.note", "detail": {"b": [1], "a": "维吾尔"}}
    assert verify_bundle.canonical(fields) == canonical(fields)
    key = b"k" * 40
    assert verify_bundle.key_id(key) == keys.key_id(key)
    ring = keys.KeyRing(keys.key_id(key), {keys.key_id(key): key})
    signed = ring.sign(
        ring.current_id, f"{'0' * 64}\n{canonical(fields | {'key_id': ring.current_id})}"
    )
    assert (
        verify_bundle.event_digest("0" * 64, fields | {"key_id": ring.current_id}, ring.keys)
        == signed
    )
