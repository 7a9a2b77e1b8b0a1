"""Chinese and legacy mail details: raw GBK headers, lossy file names, encoded words with
spaces, broken header folds and addresses with a final dot."""

from __future__ import annotations

from pathlib import Path

import pytest

from enquiry.mail.parse.charsets import decode_raw
from enquiry.mail.parse.folds import repair_header_block
from enquiry.mail.parse.headers import address_key, clean_address, decode_header, parse_addresses
from enquiry.mail.parse.inbound import ParsedMail, parse

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"


def load(name: str) -> ParsedMail:
    return parse((DATA / name).read_bytes())


# --- raw 8-bit headers ----------------------------------------------------------------------


def test_raw_gbk_headers_are_not_decoded_with_the_bodys_latin1_label() -> None:
    mail = load("gbk-8bit-header-latin1-body.eml")
    assert mail.subject == "关于喆堃社区供暖的咨询"
    assert mail.from_name == "王镕喆"
    assert mail.text.startswith("Heating in the community")
    assert "Café" in mail.text  # the body keeps its own label


@pytest.mark.parametrize(
    ("data", "label", "text"),
    [
        ("王镕喆".encode("gb18030"), "iso-8859-1", "王镕喆"),
        ("王镕喆".encode("gb18030"), "windows-1252", "王镕喆"),
        ("王镕喆".encode(), "iso-8859-1", "王镕喆"),
        ("臺灣".encode("big5"), "big5", "臺灣"),  # a multi-byte label is trusted before GB18030
        ("王镕喆".encode("gb18030"), "utf-16", "王镕喆"),  # cannot label 8-bit header bytes
        (b"plain", "iso-8859-1", "plain"),
    ],
)
def test_decode_raw_tries_utf8_then_gb18030_before_a_single_byte_label(
    data: bytes, label: str, text: str
) -> None:
    assert decode_raw(data, label) == text


# --- file names -----------------------------------------------------------------------------


def test_raw_8bit_and_rfc2231_file_names_are_not_lost_to_replacement_characters() -> None:
    mail = load("filenames-8bit-and-rfc2231.eml")
    assert [a.filename for a in mail.attachments] == [
        "申请表.pdf",  # raw 8-bit GBK in filename="..."
        "身份证.pdf",  # filename*=utf-8'' with GBK bytes
        "户口本.pdf",  # filename*='' without a charset
        "住房证明.pdf",  # filename*0*= / filename*1*= continued, labelled us-ascii
    ]


def test_a_correctly_labelled_rfc2231_name_is_kept_as_the_standard_library_reads_it() -> None:
    raw = (
        b"From: a@example.cn\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=iso-8859-1''Gr%FC%DFe.pdf\r\n"
        b"\r\nx\r\n--b--\r\n"
    )
    assert [a.filename for a in parse(raw).attachments] == ["Grüße.pdf"]


# --- encoded words with spaces --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("=?utf-8?Q?hello world?=", "hello world"),
        ("=?utf-8?q?hello  world_again?=", "hello world again"),
        ("=?gb2312?B?1tDO xNb3zOI=?=", "中文主题"),
        ("=?GB2312?B?1tDO\txNb3 zOI=?= end", "中文主题 end"),
        ("a =?utf-8?Q?b c?= =?utf-8?Q?d?= e", "a b cd e"),
        ("=?utf-8?Q?no end", "=?utf-8?Q?no end"),
        ("what? =?x?", "what? =?x?"),
    ],
)
def test_encoded_words_with_spaces_inside_are_decoded(raw: str, decoded: str) -> None:
    assert decode_header(raw) == decoded


def test_encoded_words_with_spaces_in_subject_and_name() -> None:
    mail = load("encoded-words-with-spaces.eml")
    assert mail.subject == "喆堃社区公交站hello world"
    assert mail.from_name == "Wang Ruizhe"


# --- broken header blocks -------------------------------------------------------------------


def test_a_broken_header_block_keeps_from_and_subject() -> None:
    mail = load("broken-header-folds.eml")
    assert mail.subject == "公交站更名"
    assert (mail.from_name, mail.from_addr) == ("王镕喆", "wangrz@example.cn")
    assert mail.to_addrs == ("xxgk@enquiry.localhost",)
    assert mail.message_id == "broken-folds@example.cn"
    assert mail.text == "请问公交站什么时候更名？"


HEADERS_BELOW = b"From: Wang <wang@example.cn>\r\nTo: x@enquiry.localhost\r\n\r\nbody\r\n"


@pytest.mark.parametrize(
    "top",
    [
        b"Subject: hello\r\r\n",  # a line ended twice
        b"Subject: hel\nlo\r\n",  # a bare LF inside a header
        b"Subject: hel\rlo\r\n",  # a bare CR inside a header
        b"Subject: hel\r\nlo\r\n",  # a fold without leading white space
        b"Subject: =?utf-8?Q?hel?=\r\n=?utf-8?Q?lo?=\r\n",  # an encoded word on the next line
    ],
)
def test_stray_line_breaks_and_broken_folds_lose_no_header(top: bytes) -> None:
    mail = parse(top + HEADERS_BELOW)
    assert mail.subject.replace(" ", "") == "hello"
    assert mail.from_addr == "wang@example.cn"
    assert mail.to_addrs == ("x@enquiry.localhost",)
    assert mail.text == "body"


def test_a_message_with_every_line_ended_twice_keeps_its_headers() -> None:
    mail = parse((b"Subject: hello\r\n" + HEADERS_BELOW).replace(b"\r\n", b"\r\r\n"))
    assert (mail.subject, mail.from_addr, mail.text) == ("hello", "wang@example.cn", "body")


@pytest.mark.parametrize(
    "raw",
    [
        (DATA / "intake-gbk-new.eml").read_bytes(),
        (DATA / "qq-reply.eml").read_bytes(),
        b"From: a@example.cn\nSubject: lf only\n\nbody\n",
        b"From: a@example.cn\r\nSubject: no body\r\n",
        b"From: a@example.cn\r\nSubject: x\r\nThis starts the body\r\nand so on\r\n\r\nmore\r\n",
        b"",
    ],
)
def test_a_sound_header_block_is_left_byte_for_byte(raw: bytes) -> None:
    assert repair_header_block(raw) == raw


def test_body_text_without_a_blank_line_is_not_folded_into_the_headers() -> None:
    mail = parse(
        b"From: a@example.cn\r\nSubject: x\r\nThis line starts the body\r\nmore\r\n\r\nend\r\n"
    )
    assert mail.subject == "x"
    assert "This line starts the body" in mail.text


# --- addresses with a final dot -------------------------------------------------------------


def test_a_from_address_with_a_final_dot_loses_the_dot() -> None:
    mail = load("intake-trailing-dot.eml")
    assert (mail.from_name, mail.from_addr) == ("张三", "zhangsan@yahoo.com")


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        ("name@yahoo.com.", "name@yahoo.com"),
        ("<Name@Yahoo.COM..>", "name@yahoo.com"),
        ("ｎａｍｅ＠ｙａｈｏｏ．ｃｏｍ", "name@yahoo.com"),
        ("name@yahoo..com", None),
        ("name@.yahoo.com", None),
        ("name@", None),
    ],
)
def test_clean_address_normalises_or_refuses(raw: str, address: str | None) -> None:
    assert clean_address(raw) == address


def test_addresses_found_in_unparseable_headers_lose_the_final_dot_too() -> None:
    assert parse_addresses("broken <<< name@yahoo.com. >>") == (("", "name@yahoo.com"),)
    assert address_key(" Name@Yahoo.com. ") == "name@yahoo.com"
