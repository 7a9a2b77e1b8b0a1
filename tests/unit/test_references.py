"""References and retrieval codes: format, entropy, typing variants, constant-time matching."""

from __future__ import annotations

import hashlib
import math
import re

import pytest

from enquiry.rules.references import (
    CODE_ALPHABET,
    CODE_LENGTH,
    REFERENCE_PATTERN,
    code_matches,
    format_reference,
    generate_access_code,
    hash_code,
    normalize_code,
    normalize_reference,
)

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){4}$")
KNOWN = "0123-4567-89AB-CDEF-GHJK"


@pytest.mark.parametrize(
    ("prefix", "year", "number", "expected"),
    [
        ("WLMQ", 2026, 1, "WLMQ-2026-000001"),
        ("WLMQ", 2026, 123, "WLMQ-2026-000123"),
        ("WLMQ", 2027, 999_999, "WLMQ-2027-999999"),
        ("WLMQ", 2027, 1_000_000, "WLMQ-2027-1000000"),  # grows rather than wraps
        ("QT", 2013, 42, "QT-2013-000042"),
    ],
)
def test_format_reference(prefix: str, year: int, number: int, expected: str) -> None:
    assert format_reference(prefix, year, number) == expected
    assert REFERENCE_PATTERN.match(expected)


def test_the_code_alphabet_is_crockford_base32() -> None:
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) == 32
    assert not set("ILOU") & set(CODE_ALPHABET)
    assert CODE_LENGTH * math.log2(len(CODE_ALPHABET)) >= 80


def test_generated_codes_are_grouped_random_and_use_the_whole_alphabet() -> None:
    codes = [generate_access_code() for _ in range(2000)]
    assert all(CODE.match(code) for code in codes)
    assert len(set(codes)) == len(codes)
    symbols = "".join(codes).replace("-", "")
    assert set(symbols) == set(CODE_ALPHABET)  # 40 000 draws: every symbol shows up
    # Uniform: a random byte's low five bits pick the letter, so the alphabet must be 32 long.
    assert len(CODE_ALPHABET) == 32
    counts = [symbols.count(letter) for letter in CODE_ALPHABET]
    assert max(counts) < 1.2 * len(symbols) / 32 < 1.2 * 1.2 * min(counts)
    assert all(normalize_code(code) == code.replace("-", "") for code in codes)


@pytest.mark.parametrize(
    "typed",
    [
        KNOWN,
        "0123456789ABCDEFGHJK",
        "0123-4567-89ab-cdef-ghjk",
        " 0123 4567 89AB CDEF GHJK ",
        "O123-4567-89AB-CDEF-GHJK",  # letter O for zero
        "0I23-4567-89AB-CDEF-GHJK",  # letter I for one
        "0l23-4567-89AB-CDEF-GHJK",  # letter l for one
        "0123_4567.89AB·CDEF—GHJK",
        "０１２３－４５６７－８９ＡＢ－ＣＤＥＦ－ＧＨＪＫ",  # full-width (Chinese input method)
    ],
)
def test_typing_variants_normalise_to_the_same_code(typed: str) -> None:
    assert normalize_code(typed) == "0123456789ABCDEFGHJK"
    assert hash_code(typed) == hash_code(KNOWN)
    assert code_matches(typed, hash_code(KNOWN))


def test_hash_code_is_the_sha256_of_the_normalised_code() -> None:
    assert hash_code(KNOWN) == hashlib.sha256(b"0123456789ABCDEFGHJK").hexdigest()
    assert hash_code(KNOWN) != hash_code("0123-4567-89AB-CDEF-GHJM")


@pytest.mark.parametrize(
    "wrong",
    [
        "0123-4567-89AB-CDEF-GHJM",  # one symbol off
        "0123-4567-89AB-CDEF-GHJ",  # one symbol short
        "0123-4567-89AB-CDEF-GHJKK",
        "",
        "GHJK-CDEF-89AB-4567-0123",
        "乌鲁木齐-4567-89AB-CDEF-GHJK",  # not ASCII: no error, no match
    ],
)
def test_a_wrong_code_does_not_match(wrong: str) -> None:
    assert not code_matches(wrong, hash_code(KNOWN))


@pytest.mark.parametrize(
    "typed",
    [
        "WLMQ-2026-000001",
        "wlmq-2026-000001",
        " WLMQ-2026-000001\t",
        "ＷＬＭＱ－２０２６－０００００１",
    ],
)
def test_normalize_reference(typed: str) -> None:
    assert normalize_reference(typed) == "WLMQ-2026-000001"
