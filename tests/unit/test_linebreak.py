"""Kinsoku in the letters' line breaking: closing punctuation never starts a line."""

from __future__ import annotations

import pytest

from enquiry.mail.letters.linebreak import NO_END, NO_START, break_lines, has_cjk


def width(text: str) -> float:
    return float(len(text))  # every character one unit wide


def test_a_comma_that_would_start_a_line_takes_the_character_before_it_along() -> None:
    assert break_lines("一二三四，五六", 4, width) == ["一二三", "四，五六"]


def test_two_closing_marks_in_a_row_move_down_with_their_character() -> None:
    assert break_lines("一二三四」。五六", 5, width) == ["一二三", "四」。五六"]


def test_an_opening_mark_never_ends_a_line() -> None:
    assert break_lines("一二三《四五》", 4, width) == ["一二三", "《四五》"]


def test_latin_runs_stay_whole_and_spaces_vanish_at_a_break() -> None:
    assert break_lines("编号为WLMQ-2026-42的申请", 12, width) == [
        "编号为",
        "WLMQ-2026-42",
        "的申请",
    ]
    assert break_lines("Dear applicant, thank you", 15, width) == ["Dear applicant,", "thank you"]


@pytest.mark.parametrize("size", range(3, 30))
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(size: int) -> None:
    text = "根据《中华人民共和国政府信息公开条例》第三十六条，经审查，本机关决定：予以公开。" * 3
    lines = break_lines(text, size, width)
    assert "".join(lines) == text
    assert all(len(line) <= size for line in lines)
    assert not any(line[0] in NO_START for line in lines[1:] if line)
    assert not any(line[-1] in NO_END for line in lines[:-1] if line)


def test_paragraph_breaks_are_kept_and_cjk_is_recognised() -> None:
    assert break_lines("一二\n三四", 10, width) == ["一二", "三四"]
    assert has_cjk("申请。") and has_cjk("，") and not has_cjk("Dear applicant,")
