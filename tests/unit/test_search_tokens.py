"""The search tokenizer: Han bigrams and unigrams, words, references, punctuation, snippets."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enquiry.search.tokenizer import (
    ELLIPSIS,
    MAX_DOCUMENT_BYTES,
    MAX_QUERY_TOKENS,
    MAX_TOKEN_CHARS,
    Segment,
    document_for,
    document_tokens,
    query_tokens,
    snippet,
    tokens,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("煤改气", ["煤改", "改气"]),
        ("田字路二期", ["田字", "字路", "路二", "二期"]),
        ("垃圾分类试点", ["垃圾", "圾分", "分类", "类试", "试点"]),
        ("垃", ["垃"]),
        ("煤 改气", ["煤", "改气"]),
        ("二〇一三年", ["二〇", "〇一", "一三", "三年"]),
        ("买买提·艾力", ["买买", "买提", "艾力"]),
    ],
)
def test_han_runs_become_overlapping_bigrams(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_documents_also_index_every_han_character() -> None:
    assert document_tokens("煤改气") == ["煤", "煤改", "改", "改气", "气"]
    assert document_tokens("垃") == ["垃"]
    assert set(query_tokens("垃")) <= set(document_tokens("垃圾分类试点"))


def test_han_characters_beyond_the_basic_block_are_han() -> None:
    # U+9FCF (鿏, an element name, Unicode 8) and U+2CB3B (extension E) are not in Unicode 6.1.
    assert tokens("鿏元素") == ["鿏元", "元素"]
    assert tokens("\U0002cb3b金") == ["\U0002cb3b金"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Website contact form did not answer",
            ["website", "contact", "form", "did", "not", "answer"],
        ),
        ("HELLO World", ["hello", "world"]),
        ("ＡＢＣ１２３", ["abc123"]),  # full-width forms, NFKC
        ("Straße", ["strasse"]),  # case folding, not just lower()
        ("café", ["café"]),
        ("cafe\u0301", ["café"]),  # decomposed accent composes first
        ("APP下载", ["app", "下载"]),
        ("3号楼", ["3", "号楼"]),
        ("٢٠١٣ ۱۲", ["2013", "12"]),  # Arabic-Indic and extended digits read as ASCII
    ],
)
def test_latin_words_and_digits(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_uyghur_words_are_words() -> None:
    text = "دوكلاتنىڭ ئۇيغۇرچە نۇسخىسى بارمۇ؟"
    assert tokens(text) == ["دوكلاتنىڭ", "ئۇيغۇرچە", "نۇسخىسى", "بارمۇ"]
    assert tokens("2013-يىللىق") == ["2013", "يىللىق"]


def test_uyghur_presentation_forms_tatweel_and_joiners_are_ignored() -> None:
    word = "ئۇيغۇرچە"
    assert tokens("ﺋﯘﻳﻐﯘﺭﭼە") == [word]  # legacy presentation forms, NFKC
    assert tokens("ئۇيغـــۇرچە") == [word]  # tatweel
    assert tokens("ئۇيغ\u200cۇرچە") == [word]  # zero-width non-joiner
    assert tokens("ئۇيغۇرچە\u200fبار") == [word + "بار"]  # right-to-left mark inside
    assert tokens("abc\u200bdef") == ["abc", "def"]  # a zero-width space separates


def test_references_are_one_token_and_searchable_by_number() -> None:
    found = tokens("WLMQ-2026-000123")
    assert found[0] == "wlmq2026000123"
    assert {"wlmq", "2026", "000123", "123"} <= set(found)
    assert "wlmq2026000045" in tokens("编号WLMQ-2026-000045号已收到")
    assert "wlmq2026000045" in tokens("wlmq－2026－000045")  # full-width hyphens
    assert "wlmq2026000045" not in tokens("XWLMQ2026-000045")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "，。！？《》、；：“”‘’（）【】",
        "\"*()-:^+~'",
        "😀🎉",
        "\u200b\u200c\u200d\ufeff",
    ],
)
def test_punctuation_symbols_and_emoji_make_no_tokens(text: str) -> None:
    assert tokens(text) == []
    assert query_tokens(text) == []


def test_fts_syntax_in_a_query_is_only_words() -> None:
    assert query_tokens('"煤改气" OR NEAR(a b) -x* col:y') == [
        "煤改",
        "改气",
        "or",
        "near",
        "a",
        "b",
        "x",
        "col",
        "y",
    ]
    assert query_tokens("'; DROP TABLE tickets; --") == ["drop", "table", "tickets"]


def test_query_tokens_are_distinct_and_bounded() -> None:
    assert query_tokens("煤改气 煤改气") == ["煤改", "改气"]
    assert len(query_tokens(" ".join(f"w{n}" for n in range(100)))) == MAX_QUERY_TOKENS


def test_long_words_are_cut() -> None:
    assert tokens("a" * 5000) == ["a" * MAX_TOKEN_CHARS]


def test_document_for_joins_every_part() -> None:
    document = document_for("WLMQ-2026-000001", "煤改气", "王建国", ["请问补贴", "Thanks"])
    words = document.split(" ")
    assert {"wlmq2026000001", "煤改", "煤", "王建", "建国", "补贴", "thanks"} <= set(words)
    assert "" not in words


def test_document_for_stays_under_the_size_limit() -> None:
    huge = "".join(chr(0x4E00 + n % 20000) for n in range(200_000))
    document = document_for("WLMQ-2026-000001", "煤改气", "王建国", [huge])
    assert len(document.encode()) <= MAX_DOCUMENT_BYTES
    assert document.startswith("wlmq2026000001 ")


@given(
    st.lists(st.text(alphabet="煤改气补贴 abc12-", max_size=40), max_size=4),
    st.integers(min_value=0, max_value=3),
)
def test_document_for_is_every_token_in_order_cut_before_the_limit(
    bodies: list[str], empty_parts: int
) -> None:
    """The whole document at once, or token by token to the last that fits: the same text."""
    subject, name = "" if empty_parts & 1 else "煤改气", "" if empty_parts & 2 else "王"
    parts = ["WLMQ-2026-000001", subject, name]
    expected, size = [], 0
    for text in [*parts, *bodies]:
        for token in document_tokens(text):
            size += len(token.encode()) + 1
            if size > MAX_DOCUMENT_BYTES:
                break
            expected.append(token)
    assert document_for(*parts, bodies) == " ".join(expected)


def test_a_document_one_byte_over_the_limit_loses_its_last_token() -> None:
    body = "a" * 50  # one token of 50 bytes
    count = MAX_DOCUMENT_BYTES // 51  # each token counts with its space
    fits = document_for("", "", "", [body] * count)
    assert len(fits.encode()) == count * 51 - 1 < MAX_DOCUMENT_BYTES
    over = document_for("", "", "", [body] * (count + 1))
    assert over == fits  # the next token would pass the limit: left out


def test_snippet_marks_whole_matched_phrases() -> None:
    body = "报告提到发布了《煤改气》专题栏目。\n请问居民煤改气的补贴标准在哪里可以查到？"
    segments = snippet(["没有关系", body], query_tokens("煤改气"))
    assert [s.text for s in segments if s.is_match] == ["煤改气", "煤改气"]
    assert "".join(s.text for s in segments) == body.replace("\n", " ")


def test_snippet_windows_a_long_text_around_the_first_match() -> None:
    text = "x " * 300 + "garbage sorting pilot" + " y" * 300
    segments = snippet([text], query_tokens("sorting"), width=60)
    assert segments[0] == Segment(ELLIPSIS, False)
    assert segments[-1] == Segment(ELLIPSIS, False)
    assert Segment("sorting", True) in segments
    assert sum(len(s.text) for s in segments) <= 62


def test_snippet_of_a_reference_and_of_nothing() -> None:
    segments = snippet(["编号 WLMQ-2026-000123。"], query_tokens("wlmq-2026-000123"))
    assert Segment("WLMQ-2026-000123", True) in segments
    assert snippet(["煤改气"], query_tokens("垃圾")) == []
    assert snippet(["煤改气"], []) == []


def test_snippet_keeps_the_original_text() -> None:
    segments = snippet(["ＡＢＣ１２３ and Straße"], query_tokens("abc123 strasse"))
    assert [s.text for s in segments if s.is_match] == ["ＡＢＣ１２３", "Straße"]


_TEXT = st.text(
    alphabet=st.sampled_from(
        list("煤改气田字路垃圾分类试点二期〇 ，。、")
        + list(string.printable)
        + list("ئۇيغۇرچەـ\u200c😀")
    ),
    max_size=60,
)


@given(_TEXT)
def test_tokens_survive_both_engines(text: str) -> None:
    """Every token is letters and digits only: FTS5 'ascii' and PostgreSQL keep it whole."""
    for token in document_tokens(text):
        assert token
        assert all(char.isalnum() for char in token), token
        assert token == token.casefold()


@given(_TEXT)
def test_a_text_finds_itself(text: str) -> None:
    assert set(query_tokens(text)) <= set(document_tokens(text))


@given(
    st.text(alphabet=st.sampled_from(list("煤改气田字路垃圾分类试点")), min_size=1, max_size=30),
    st.data(),
)
def test_any_piece_of_a_han_run_finds_the_run(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    assert set(query_tokens(text[start:end])) <= set(document_tokens(text))
