"""Reply prefixes and ticket references in subjects and bodies."""

from __future__ import annotations

import pytest

from enquiry.rules.subjects import (
    REFERENCE_MARKER,
    find_reference,
    find_reference_in_body,
    reference_marker,
    strip_reply_prefixes,
)


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Re: 供暖", "供暖"),
        ("RE：供暖", "供暖"),
        ("回复:供暖", "供暖"),
        ("回复：供暖", "供暖"),
        ("答复: 供暖", "供暖"),
        ("答复：供暖", "供暖"),
        ("Fw: 供暖", "供暖"),
        ("FW:供暖", "供暖"),
        ("Fwd: 供暖", "供暖"),
        ("转发: 供暖", "供暖"),
        ("转发：供暖", "供暖"),
        ("AW: Heizung", "Heizung"),
        ("SV: värme", "värme"),
        ("回覆：暖氣", "暖氣"),
        ("re : spaced", "spaced"),
        ("Re[2]: counted", "counted"),
        ("RE:RE: 回复：Fwd:  many", "many"),
        ("  Re:   [WLMQ-2026-000123] 关于  ", "[WLMQ-2026-000123] 关于"),
        ("Resume of the meeting", "Resume of the meeting"),
        ("Regarding: 供暖", "Regarding: 供暖"),
        ("回复", "回复"),
        ("", ""),
    ],
)
def test_strip_reply_prefixes(subject: str, stripped: str) -> None:
    assert strip_reply_prefixes(subject) == stripped


@pytest.mark.parametrize(
    "subject",
    [
        "回复：[WLMQ-2026-000123] 关于小区供暖的咨询",
        "RE:RE: 【WLMQ-2026-000123】关于小区供暖的咨询",
        "Re: 关于供暖 (WLMQ-2026-000123)",
        "WLMQ-2026-000123",
        "Fw: 〔WLMQ-2026-000123〕",
        "回复：［ＷＬＭＱ－２０２６－０００１２３］全角",
        "re: [wlmq-2026-000123] lower case",
        "[ WLMQ-2026-000123 ] spaced",
    ],
)
def test_find_reference(subject: str) -> None:
    assert find_reference(subject, "WLMQ") == "WLMQ-2026-000123"


def test_find_reference_prefers_the_bracketed_one() -> None:
    subject = "回复：关于 WLMQ-2025-000001 的补充 [WLMQ-2026-000123]"
    assert find_reference(subject, "WLMQ") == "WLMQ-2026-000123"


@pytest.mark.parametrize(
    "subject",
    [
        "关于小区供暖的咨询",
        "XWLMQ-2026-000123",
        "WLMQ-2026-0001234",
        "WLMQ-26-000123",
        "ABC-2026-000123",
        "WLMQ-2026-00012",
    ],
)
def test_find_reference_rejects_lookalikes(subject: str) -> None:
    assert find_reference(subject, "WLMQ") is None


def test_find_reference_requires_an_upper_case_prefix() -> None:
    with pytest.raises(ValueError, match="upper-case"):
        find_reference("x", "wlmq")
    with pytest.raises(ValueError, match="upper-case"):
        find_reference("x", "WL.*")


def test_body_marker_round_trips() -> None:
    assert REFERENCE_MARKER == "[ref:{reference}]"
    marker = reference_marker("WLMQ-2026-000123")
    assert marker == "[ref:WLMQ-2026-000123]"
    body = f"谢谢！\n\n> 您好，您的来信已受理。\n> {marker}\n"
    assert find_reference_in_body(body, "WLMQ") == "WLMQ-2026-000123"


@pytest.mark.parametrize(
    "body",
    [
        "没有编号",
        "WLMQ-2026-000123 without the marker",
        "[ref:WLMQ-2026-0001234]",
        "[ref:OTHER-2026-000123]",
    ],
)
def test_body_without_a_marker(body: str) -> None:
    assert find_reference_in_body(body, "WLMQ") is None


def test_body_marker_tolerates_case_and_spaces() -> None:
    assert find_reference_in_body("[ REF: wlmq-2026-000042 ]", "WLMQ") == "WLMQ-2026-000042"
