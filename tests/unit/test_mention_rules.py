"""Which names a note mentions with @."""

from __future__ import annotations

from enquiry.rules.mentions import find_mentions

NAMES = ["张伟", "li.na", "housing", "住建局", "lin"]


def test_a_known_name_is_found() -> None:
    assert find_mentions("请 @张伟 看一下", NAMES) == {"张伟"}


def test_a_name_followed_by_chinese_text_is_found() -> None:
    assert find_mentions("请@张伟处理，并@住建局会商。", NAMES) == {"张伟", "住建局"}


def test_ascii_names_are_case_insensitive_and_end_at_a_word_boundary() -> None:
    assert find_mentions("@HOUSING please, and @li.na.", NAMES) == {"housing", "li.na"}
    assert find_mentions("@linda @lin", NAMES) == {"lin"}


def test_unknown_names_and_mail_addresses_give_nothing() -> None:
    assert find_mentions("@nobody wrote to li.na@housing.example", NAMES) == set()


def test_full_width_at_sign_counts() -> None:
    assert find_mentions("＠张伟", NAMES) == {"张伟"}
