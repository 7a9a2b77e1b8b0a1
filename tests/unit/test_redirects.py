"""safe_next: only a path on this site passes, however a browser or a proxy would read it."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from enquiry.redirects import NEXT_MAX, safe_next
from tests.redirect_variants import SAFE_NEXT_VALUES, hostile_next_values

SITE = "https://enquiry.test/staff/inbox"


def browser_readings(location: str) -> list[str]:
    """Where a lenient browser could go for a Location header (WHATWG URL parsing, roughly),
    as sent, after a proxy's extra decoding, and with look-alikes folded."""
    readings = []
    for variant in (location, unquote(location), unquote(unquote(location))):
        for form in (variant, unicodedata.normalize("NFKC", variant)):
            cleaned = form.strip("".join(map(chr, range(0x21))))
            cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "")
            readings.append(urljoin(SITE, cleaned.replace("\\", "/")))
    return readings


@pytest.mark.parametrize("target", hostile_next_values())
def test_a_hostile_next_is_refused(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize("target", SAFE_NEXT_VALUES)
def test_a_path_on_the_site_passes_unchanged(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [None, "", "/" + "a" * NEXT_MAX, "/%252525252Fevil.example", "/\x00", "/ok\nLocation: x"],
)
def test_empty_overlong_and_endlessly_encoded_values_are_refused(target: str | None) -> None:
    assert safe_next(target) is None


@given(st.text(max_size=60))
@example("/%09/evil.example")
@example("/\t/evil.example")
@example("/%5C%5Cevil.example")
@example("/%EF%BC%8F/evil.example")
def test_whatever_passes_stays_on_the_site(target: str) -> None:
    assert_stays_on_the_site(target)


@given(st.text(alphabet="/\\%2fF5cC09aAdD.:@ \t\n\r\uff0f\u3002evil", max_size=30))
def test_slash_and_escape_soup_never_leaves_the_site(target: str) -> None:
    assert_stays_on_the_site(target)


def assert_stays_on_the_site(target: str) -> None:
    result = safe_next(target)
    if result is None:
        return
    assert result == target
    assert all(0x21 <= ord(char) <= 0x7E for char in result)
    for reading in browser_readings(result):
        parts = urlsplit(reading)
        assert (parts.scheme, parts.netloc) == ("https", "enquiry.test"), (target, reading)
