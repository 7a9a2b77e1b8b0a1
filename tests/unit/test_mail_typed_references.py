"""References as people type them in a reply: labels, full-width characters, spaces."""

from __future__ import annotations

import pytest

from enquiry.intake.threading import Clue, Via, clues
from enquiry.mail import outbound
from enquiry.mail.parse.inbound import parse
from enquiry.rules.subjects import find_bare_reference

IDENTITY = outbound.MailIdentity(
    sender="xxgk@enquiry.localhost", domain="enquiry.localhost", secret="s3cret", base_url="x"
)


@pytest.mark.parametrize(
    "text",
    [
        "留言编号：WLMQ-2026-000010",
        "留言编号: wlmq-2026-000010，请查收",
        "ＷＬＭＱ－２０２６－００００１０",
        "编号ＷＬＭＱ－２０２６－００００１０的回复",
        "WLMQ - 2026 - 000010",
        "WLMQ 2026 000010",
        "WLMQ2026000010",
        "WLMQ_2026_000010",
        "WLMQ—2026—000010",
        "WLMQ\u30002026\u3000000010",  # ideographic spaces
        "my number is (WLMQ-2026-000010).",
    ],
)
def test_typed_references_are_found(text: str) -> None:
    assert find_bare_reference(text, "WLMQ") == "WLMQ-2026-000010"


@pytest.mark.parametrize(
    "text",
    [
        "XWLMQ-2026-000010",
        "WLMQ-2026-0000101",
        "WLMQ-26-000010",
        "WLMQ-2026-00010",
        "WLMQ\n2026\n000010",
        "KSG-2026-000010",
        "no reference at all",
    ],
)
def test_what_is_not_a_reference(text: str) -> None:
    assert find_bare_reference(text, "WLMQ") is None


def test_typed_references_in_subject_or_body_are_clues_after_the_stronger_ones() -> None:
    raw = (
        "From: a@example.cn\r\nSubject: 补充 ＷＬＭＱ－２０２６－０００００７\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n留言编号：WLMQ 2026 000008\r\n"
    ).encode()
    assert list(clues(parse(raw), identity=IDENTITY, prefix="WLMQ")) == [
        Clue(Via.SUBJECT, reference="WLMQ-2026-000007"),  # NFKC makes it a plain subject tag
        Clue(Via.TYPED_REFERENCE, reference="WLMQ-2026-000008"),
    ]


def test_a_body_reference_alone_is_a_typed_reference_clue() -> None:
    raw = (
        "From: a@example.cn\r\nSubject: 补充材料\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "\r\n您好：\r\n留言编号：ＷＬＭＱ－２０２６－００００１０\r\n"
    ).encode()
    assert list(clues(parse(raw), identity=IDENTITY, prefix="WLMQ")) == [
        Clue(Via.TYPED_REFERENCE, reference="WLMQ-2026-000010")
    ]
