"""Header values for outgoing mail: whatever the user typed, a reader decodes no control character.

The property: every header we write, parsed back by a reader that decodes RFC 2047 encoded
words, yields the user's text with control characters made spaces, and no encoded word we
emit decodes to a control character. Checked against the encoded-word attacks, the shared
hostile strings and random text.
"""

from __future__ import annotations

import re
from email import policy
from email.header import decode_header
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enquiry.mail import header_values as hv
from tests.hostile_strings import ENCODED_WORD_STRINGS, HOSTILE_STRINGS

# What no decoded header may hold: C0, DEL, C1 (NEL among them), U+2028/2029.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
ATTACKS = ENCODED_WORD_STRINGS + HOSTILE_STRINGS


def written(*values: hv.PreFolded) -> bytes:
    """The header block as the email package writes it for SMTP."""
    return "".join(value.fold(policy=policy.SMTP) for value in values).encode("ascii") + b"\r\n"


def parsed(*values: hv.PreFolded) -> dict[str, str]:
    message = BytesParser(policy=policy.default).parsebytes(written(*values))
    return {name: str(value) for name, value in message.items()}


def decoded_words(data: bytes) -> list[str]:
    """Decode each encoded word in the bytes on its own, as the most literal reader would."""
    words = ENCODED_WORD.findall(data.decode("ascii"))
    return [
        b"".join(
            part if isinstance(part, bytes) else part.encode() for part, _ in decode_header(word)
        ).decode("utf-8")
        for word in words
    ]


def assert_round_trip(name: str, text: str) -> None:
    value = hv.unstructured(name, text)
    data = written(value)
    lines = data.split(b"\r\n")[:-2]
    assert lines[0].startswith(f"{name}:".encode())
    assert all(line.startswith(b" ") for line in lines[1:]), lines
    assert max(len(line) for line in lines) <= hv.LINE_LIMIT
    assert parsed(value) == {name: hv.clean_text(text)}
    for word in decoded_words(data):
        assert not CONTROL.search(word), (text, word)


@pytest.mark.parametrize("text", ATTACKS)
def test_a_subject_never_decodes_to_a_control_character(text: str) -> None:
    assert_round_trip("Subject", text)


@pytest.mark.parametrize("text", ENCODED_WORD_STRINGS)
def test_a_typed_encoded_word_is_itself_encoded_and_decodes_to_what_was_typed(text: str) -> None:
    value = hv.unstructured("Subject", text)
    data = written(value)
    assert b"=?utf-8?b?" in data
    assert b"?q?" not in data.lower() and b"gb18030" not in data.lower()
    assert "".join(decoded_words(data)) == hv.clean_text(text)
    assert "=?" in parsed(value)["Subject"]  # the reader shows the citizen's literal text


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_survives_as_its_cleaned_self(text: str) -> None:
    assert_round_trip("Subject", text)


@given(
    st.lists(
        st.sampled_from(["=?", "?=", "utf-8", "?q?", "?b?", "=0D", "=0A", "\r\n", " ", "x", "题"]),
        max_size=40,
    )
)
@settings(max_examples=300, deadline=None)
def test_fragments_of_encoded_words_never_decode_to_a_control_character(parts: list[str]) -> None:
    assert_round_trip("Subject", "".join(parts))


def test_plain_ascii_goes_out_as_it_is() -> None:
    value = hv.unstructured("Subject", "[WLMQ-2024-000001]  Answer to your\tenquiry ")
    assert value.fold(policy=policy.SMTP) == (
        "Subject: [WLMQ-2024-000001] Answer to your enquiry\r\n"
    )


@pytest.mark.parametrize("text", ["", "   ", "\r\n", "\x00"])
def test_an_empty_subject_is_an_empty_header(text: str) -> None:
    assert written(hv.unstructured("Subject", text)) == b"Subject:\r\n\r\n"


@pytest.mark.parametrize("name", ATTACKS)
def test_a_display_name_never_decodes_to_a_control_character(name: str) -> None:
    value = hv.mailbox("From", name, "xxgk@enquiry.localhost")
    data = written(value)
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert list(message.keys()) == ["From"]
    [address] = message["From"].addresses
    assert address.addr_spec == "xxgk@enquiry.localhost"
    assert not CONTROL.search(address.display_name)
    for word in decoded_words(data):
        assert not CONTROL.search(word)


@pytest.mark.parametrize(
    "address",
    [
        *ENCODED_WORD_STRINGS,
        "=?utf-8?q?a=0D=0ABcc=3A_x=40evil?=@example.com",
        "a=?b@example.com",
        "x@evil.test\r\nBcc: y@evil.test",
        "x@evil.test\nBcc: y@evil.test",
        '"quoted local"@example.com',
        "Name <x@example.com>",
        "a@b@example.com",
        "a@example.com, b@example.com",
        "买买提@example.com",
        "a..b@example.com",
        "x@[127.0.0.1]",
        "",
        "a" * 250 + "@x.cn",
    ],
)
def test_an_address_we_cannot_write_as_it_is_is_refused(address: str) -> None:
    assert not hv.is_address(address)
    with pytest.raises(hv.UnsafeHeaderError):
        hv.address_only("To", address)


@pytest.mark.parametrize(
    "address", ["li@example.com", "o'brien+tag@mail.example.org", "x_y-z.w@a-b.cn"]
)
def test_ordinary_addresses_go_out_as_they_are(address: str) -> None:
    assert written(hv.address_only("To", address)) == f"To: {address}\r\n\r\n".encode()


@pytest.mark.parametrize(
    "value",
    [
        *(f"<{text}@evil.test>" for text in ENCODED_WORD_STRINGS),
        "<a@b>\r\nBcc: x@evil.test",
        "<a b@c>",
        "<a@b> <c@d>",
        "a@b",
        "<>",
        "<a@b",
        "<" + "a" * 300 + "@b>",
    ],
)
def test_a_message_id_we_cannot_write_as_it_is_is_refused(value: str) -> None:
    assert not hv.is_message_id(value)
    with pytest.raises(hv.UnsafeHeaderError):
        hv.message_ids("In-Reply-To", [value])


def test_message_ids_fold_between_ids() -> None:
    ids = [f"<WLMQ-2024-{n:06d}.a1b2c3d4e5f6.0123456789ab@enquiry.localhost>" for n in range(4)]
    data = written(hv.message_ids("References", ids))
    assert all(len(line) <= hv.LINE_LIMIT for line in data.split(b"\r\n"))
    assert parsed(hv.message_ids("References", ids)) == {"References": " ".join(ids)}


@pytest.mark.parametrize("value", ["auto\r\nBcc: x@evil.test", "=?utf-8?q?a?=", "über"])
def test_a_fixed_value_must_be_plain(value: str) -> None:
    with pytest.raises(hv.UnsafeHeaderError):
        hv.fixed("Auto-Submitted", value)
