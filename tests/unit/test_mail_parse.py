"""parse(): charsets, headers, bodies, attachments and quoted history of inbound mail."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enquiry.mail.parse.charsets import codec_for, decode_text, relabel
from enquiry.mail.parse.classify import classify
from enquiry.mail.parse.inbound import ParsedMail, parse
from enquiry.mail.parse.quotes import split_quoted

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"
CST = timezone(timedelta(hours=8))


def load(name: str) -> ParsedMail:
    return parse((DATA / name).read_bytes())


def attachment_names(mail: ParsedMail) -> list[str]:
    return [attachment.filename for attachment in mail.attachments]


# --- Chinese charsets -----------------------------------------------------------------------


def test_gb2312_label_with_gbk_only_characters_decodes_them() -> None:
    mail = load("gb2312-gbk-names.eml")
    assert mail.subject == "路灯坏了（王喆、李堃、张镕反映）"
    assert mail.from_name == "阿依古丽·买买提"
    assert mail.from_addr == "ayiguli@example.cn"
    assert "我的邻居王喆和李堃反映，张镕家门口的路灯坏了三个月。" in mail.text
    assert "我叫阿依古丽·买买提" in mail.text
    assert "\ufffd" not in mail.text + mail.subject + mail.from_name
    assert "\u30fb" not in mail.text + mail.from_name
    assert mail.defects == ()


def test_relabel_rewrites_parameters_encoded_words_and_rfc2231_only() -> None:
    raw = (
        b'Content-Type: text/plain; charset="GB2312"\r\n'
        b"Subject: =?gbk?B?1cXI/Q==?= =?BIG5?Q?=A7A?=\r\n"
        b"Content-Disposition: attachment; filename*=cp936''%D5%C5\r\n\r\n"
        b"charset=gb18030 stays; gb2312 alone stays\r\n"
    )
    assert relabel(raw) == (
        b'Content-Type: text/plain; charset="gb18030"\r\n'
        b"Subject: =?gb18030?B?1cXI/Q==?= =?big5hkscs?Q?=A7A?=\r\n"
        b"Content-Disposition: attachment; filename*=gb18030''%D5%C5\r\n\r\n"
        b"charset=gb18030 stays; gb2312 alone stays\r\n"
    )


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("euc-cn", "gb18030"),
        ("csgb2312", "gb18030"),
        ("chinese", "gb18030"),
        ('"gb2312"', "gb18030"),
        ("big5", "big5hkscs"),
        ("utf8", "utf-8"),
        ("ks_c_5601-1987", "cp949"),
        ("x-unknown", None),
        ("base64", None),
        ("idna", None),
        ("", None),
        (None, None),
    ],
)
def test_codec_for_maps_labels(label: str | None, codec: str | None) -> None:
    assert codec_for(label) == codec


def test_name_separator_from_a_gb2312_decoder_becomes_middle_dot() -> None:
    # the name was decoded with Python's gb2312 codec somewhere and re-sent as UTF-8 (U+30FB)
    raw = "From: 阿依古丽\u30fb买买提 <a@example.cn>\r\nSubject: x\r\n\r\nbody\r\n".encode()
    assert parse(raw).from_name == "阿依古丽·买买提"


def test_big5_label_decodes_hkscs_characters() -> None:
    mail = load("big5.eml")
    assert mail.subject == "我哋嘅意見"
    assert mail.from_name == "陳大文"
    assert mail.text == "我哋嘅意見：請延長圖書館開放時間。"


def test_unknown_charset_label_is_detected() -> None:
    mail = load("unknown-charset.eml")
    assert mail.subject == "未知字符集"
    assert mail.text == "这封信的字符集标签是错的，但内容是UTF-8。"
    assert mail.defects == ("text/plain: unknown charset 'x-unknown'",)


def test_wrong_charset_label_falls_back_to_detection() -> None:
    text = "市民反映：小区门口的垃圾已经三天没有清运，气味很大，请尽快安排处理。" * 3
    decoded, defect = decode_text(text.encode("gb18030"), "utf-8")
    assert decoded == text
    assert defect == "bytes do not match charset 'utf-8'"


def test_latin1_label_on_utf8_bytes_prefers_utf8() -> None:
    assert decode_text("Ürümqi".encode(), "iso-8859-1") == (
        "Ürümqi",
        "charset 'iso-8859-1' mislabels UTF-8",
    )


def test_undecodable_bytes_never_raise() -> None:
    text, defect = decode_text(b"\xff\xfe\x00\x81", "x-nothing")
    assert isinstance(text, str)
    assert defect


# --- headers --------------------------------------------------------------------------------


def test_coremail_raw_utf8_from_and_subject() -> None:
    mail = load("coremail-8bit-from.eml")
    assert mail.from_name == "张三"
    assert mail.from_addr == "zhangsan_1988@163.com"
    assert mail.subject == "Re:[WLMQ-2026-000077] 路灯维修"
    assert mail.in_reply_to == "WLMQ-2026-000077.c0ffee@enquiry.localhost"
    assert mail.message_id == "3c1e2a7b.1a2b.18d0e3f4a5b.Coremail.ZhangSan_1988@163.com"
    assert mail.date == datetime(2026, 1, 10, 18, 22, 39, tzinfo=CST)


def test_raw_gbk_subject() -> None:
    mail = load("gbk-8bit-subject.eml")
    assert mail.subject == "关于公交线路的建议"
    assert mail.text == "建议增开52路夜班车。"
    assert mail.from_name == ""
    assert mail.return_path == "laozhao@example.net.cn"


def test_character_split_across_encoded_words_is_joined() -> None:
    mail = load("split-encoded-word.eml")
    assert mail.subject == "乌鲁木齐市民咨询"
    assert mail.from_name == "市民"


def test_folded_subject_has_no_line_breaks() -> None:
    mail = load("folded-subject.eml")
    assert mail.subject == "关于噪音 扰民 and the night market"


def test_addresses_are_lower_cased_and_deduplicated() -> None:
    mail = load("outlook-chinese-reply.eml")
    assert mail.from_name == "李明"
    assert mail.from_addr == "liming@example.com.cn"
    assert mail.to_addrs == ("enquiry@enquiry.localhost",)
    assert mail.cc_addrs == ("wangfang@example.com.cn", "zhaolei@example.com.cn")
    assert mail.references == ("WLMQ-2026-000045.7f3a9c@enquiry.localhost",)
    assert mail.date == datetime(2026, 1, 8, 7, 40, 1, tzinfo=UTC)


def test_uyghur_message() -> None:
    mail = load("uyghur.eml")
    assert mail.from_name == "ئابدۇرېھىم"
    assert mail.subject == "سوئال: ئاپتوبۇس لىنىيىسى"
    assert mail.text == "ياخشىمۇسىز، 52-ئاپتوبۇس قاچان ئىشلەيدۇ؟"


def test_missing_and_odd_headers() -> None:
    raw = (
        b"From: not an address\r\nReply-To: Help <HELP@Example.org>\r\n"
        b"Return-Path: <>\r\nDate: yesterday\r\nMessage-ID: bare-id@example.org\r\n"
        b"Subject: =?utf-8?Q?line=0D=0Abreak?=\r\n\r\nhello\r\n"
    )
    mail = parse(raw)
    assert mail.from_addr is None
    assert mail.from_name == "not an address"
    assert mail.reply_to == "help@example.org"
    assert mail.return_path == ""
    assert mail.date is None
    assert mail.message_id == "bare-id@example.org"
    assert mail.in_reply_to is None
    assert mail.subject == "line break"


def test_headers_for_classification_are_kept_read_only() -> None:
    mail = load("mailing-list.eml")
    assert mail.headers["list-id"] == "City News <city-news.lists.example.org>"
    assert mail.headers["precedence"] == "list"
    assert "subject" not in mail.headers
    with pytest.raises(TypeError):
        mail.headers["precedence"] = "bulk"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        mail.subject = "changed"  # type: ignore[misc]


# --- bodies ---------------------------------------------------------------------------------


def test_html_only_mail_gives_text_and_sanitised_html() -> None:
    mail = load("html-only.eml")
    assert mail.text == (
        "您好，幸福路的井盖丢了。\n\n位置见地图，点这里。\n\n"
        "  * 时间：1月12日\n  * 地点：幸福路18号"
    )
    assert mail.html is not None
    for unsafe in ("<script", "alert", "<style", "onclick", "style=", "javascript:", "tracker"):
        assert unsafe not in mail.html
    assert (
        '<a href="https://map.example.cn/p?id=1" rel="noopener noreferrer nofollow">' in mail.html
    )
    assert "<b>幸福路</b>" in mail.html


def test_plain_only_mail_has_no_html() -> None:
    assert load("big5.eml").html is None


def test_inline_image_is_kept_with_its_content_id() -> None:
    mail = load("inline-image.eml")
    assert mail.text == "路面塌陷，见图。"
    assert mail.html == '<p>路面塌陷，见图。</p><img src="cid:photo1@example.org" alt="照片">'
    (image,) = mail.attachments
    assert (image.filename, image.content_type, image.is_inline, image.content_id) == (
        "photo.png",
        "image/png",
        True,
        "photo1@example.org",
    )
    assert image.data == b"\x89PNG\r\n\x1a\nfakepng"


def test_rfc2231_file_names() -> None:
    mail = load("rfc2231-filename.eml")
    assert mail.text == "见附件。"
    assert attachment_names(mail) == ["供暖问题照片.jpg", "李堃的说明.txt"]
    assert mail.attachments[0].data == b"\xff\xd8\xff\xe0fakejpeg"
    assert not mail.attachments[0].is_inline


def test_hostile_file_names_lose_paths_and_control_characters() -> None:
    mail = load("evil-filename.eml")
    assert attachment_names(mail) == ["evil.exe", "badgpj.exe"]
    assert mail.attachments[0].data == b"MZ\x90\x00"


def test_unquoted_and_encoded_word_names_and_missing_names() -> None:
    raw = (
        b"From: a@example.org\r\nSubject: files\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; name=This is a test.txt\r\n"
        b"Content-Disposition: attachment; filename=This is a test.txt\r\n\r\nhi\r\n"
        b"--b\r\nContent-Type: application/pdf; name==?utf-8?B?5oql5ZGKLnBkZg==?=\r\n"
        b"Content-Disposition: attachment; filename==?utf-8?B?5oql5ZGKLnBkZg==?=\r\n\r\n%PDF\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment\r\n\r\n%PDF\r\n"
        b"--b--\r\n"
    )
    assert attachment_names(parse(raw)) == ["This is a test.txt", "报告.pdf", "attachment-3.pdf"]


def test_forwarded_message_is_an_attachment_and_quoted_not_new() -> None:
    mail = load("forwarded.eml")
    assert mail.new_text == "请看物业发来的通知，是否合规？"
    assert mail.quoted_text == (
        "---------- Forwarded message ----------\n"
        "From: Property Office <wuye@example.net>\n"
        "Date: Wed, 14 Jan 2026 08:00:00 +0800\n"
        "Subject: 物业通知\n"
        "To: forwarder@example.org\n\n"
        "下月起物业费上涨百分之五十。"
    )
    assert mail.text == mail.new_text + "\n\n" + mail.quoted_text
    (attached,) = mail.attachments
    assert (attached.filename, attached.content_type) == ("物业通知.eml", "message/rfc822")
    inner = parse(attached.data)
    assert inner.message_id == "notice.42@example.net"
    assert inner.text == "下月起物业费上涨百分之五十。"


def test_base64_encoded_attached_message_is_decoded() -> None:
    inner = b"From: x@example.org\r\nSubject: inner\r\nMessage-ID: <in@example.org>\r\n\r\nbody\r\n"
    raw = (
        b"From: a@example.org\r\nSubject: fwd\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(inner)
        + b"--b--\r\n"
    )
    mail = parse(raw)
    assert mail.attachments[0].filename == "inner.eml"
    assert parse(mail.attachments[0].data).message_id == "in@example.org"
    assert mail.quoted_text.endswith("body")


def test_signed_mail_takes_the_content_and_keeps_the_signature() -> None:
    mail = load("signed.eml")
    assert mail.text == "申请公开2025年道路维修预算。"
    (signature,) = mail.attachments
    assert (signature.filename, signature.content_type) == (
        "signature.asc",
        "application/pgp-signature",
    )
    assert signature.data.startswith(b"-----BEGIN PGP SIGNATURE-----")


def test_format_flowed_lines_are_joined() -> None:
    raw = (
        b"From: a@example.org\r\nSubject: flowed\r\n"
        b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        b"This line is \r\nsoft-wrapped.\r\n\r\n> quoted \r\n> line\r\n-- \r\nsig\r\n"
    )
    assert parse(raw).text == "This line is soft-wrapped.\n\n> quoted line\n-- \nsig"


def test_multipart_without_boundary_is_read_as_text() -> None:
    raw = (
        b"From: a@example.org\r\nSubject: x\r\nContent-Type: multipart/alternative\r\n\r\nhello\r\n"
    )
    assert parse(raw).text == "hello"


# --- quoted history -------------------------------------------------------------------------


def test_qq_reply_separates_new_text_from_history() -> None:
    mail = load("qq-reply.eml")
    assert mail.subject == "回复：[WLMQ-2026-000123] 关于小区供暖的咨询"
    assert mail.in_reply_to is None
    assert mail.references == ()
    assert mail.from_name == "小王"
    assert mail.new_text == "补充一下，供暖温度还是只有14度。"
    assert mail.quoted_text.startswith("------------------\u00a0原始邮件\u00a0------------------\n")
    assert mail.quoted_text.endswith("您好，您的来信已受理。\n[ref:WLMQ-2026-000123]")
    assert mail.html is not None and "原始邮件" in mail.html


def test_outlook_chinese_reply() -> None:
    mail = load("outlook-chinese-reply.eml")
    assert mail.subject == "答复: [WLMQ-2026-000045] 办理进度"
    assert mail.new_text == "已收到，谢谢。附件材料我明天补交。"
    assert mail.quoted_text.startswith(
        "________________________________\n发件人: 乌鲁木齐市电子政务办"
    )
    assert mail.quoted_text.endswith("您好，您的申请正在办理中。")


def test_163_reply_with_attribution_line() -> None:
    mail = load("coremail-8bit-from.eml")
    assert mail.new_text == "路灯已经修好了，谢谢你们！"
    assert mail.quoted_text == (
        '在 2026-01-09 10:12:33，"乌鲁木齐市电子政务办" <enquiry@enquiry.localhost> 写道：\n'
        "您好，已转交市政部门处理。"
    )


@pytest.mark.parametrize(
    ("text", "new", "quoted"),
    [
        (
            "好的\n\n-----Original Message-----\nFrom: a@b.c\nSent: Monday\nTo: x\n"
            "Subject: y\n\nold",
            "好的",
            "-----Original Message-----\nFrom: a@b.c\nSent: Monday\nTo: x\nSubject: y\n\nold",
        ),
        (
            "Thanks\n\nFrom: Office <a@b.c>\nSent: Monday, 5 January 2026 10:00\nTo: Me\n"
            "Subject: RE: x\n\nold",
            "Thanks",
            "From: Office <a@b.c>\nSent: Monday, 5 January 2026 10:00\nTo: Me\n"
            "Subject: RE: x\n\nold",
        ),
        (
            "收到\n\n在 2024年1月2日 星期二 10:00，政务办 <a@b.c> 写道：\n> 旧内容",
            "收到",
            "在 2024年1月2日 星期二 10:00，政务办 <a@b.c> 写道：\n> 旧内容",
        ),
        (
            "OK\n\nOn Tue, Jan 2, 2024 at 10:00 AM Office <a@b.c>\nwrote:\n> old\n> older",
            "OK",
            "On Tue, Jan 2, 2024 at 10:00 AM Office <a@b.c>\nwrote:\n> old\n> older",
        ),
        (
            "收到\n\n张三 <a@b.c> 于2024年1月2日周二 10:00写道：\n\n旧内容",
            "收到",
            "张三 <a@b.c> 于2024年1月2日周二 10:00写道：\n\n旧内容",
        ),
        (
            "补充\n\n发件人：政务办\n发送时间：2026-01-05 10:00\n收件人：我\n主题：回复\n\n旧",
            "补充",
            "发件人：政务办\n发送时间：2026-01-05 10:00\n收件人：我\n主题：回复\n\n旧",
        ),
        (
            "> question 1\nanswer 1\n\n> question 2\nanswer 2",
            "answer 1\n\nanswer 2",
            "> question 1\n> question 2",
        ),
        ("该文件第三条写道：\n“不得……”", "该文件第三条写道：\n“不得……”", ""),
        (
            "From: Beijing to Urumqi\nthe train is slow",
            "From: Beijing to Urumqi\nthe train is slow",
            "",
        ),
        ("", "", ""),
    ],
)
def test_split_quoted(text: str, new: str, quoted: str) -> None:
    assert split_quoted(text) == (new, quoted)


# --- machine mail parses too ----------------------------------------------------------------


def test_bounce_keeps_report_parts_as_attachments() -> None:
    mail = load("bounce-dsn.eml")
    assert mail.content_type == "multipart/report"
    assert mail.return_path == ""
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("delivery-status.txt", "message/delivery-status"),
        ("[WLMQ-2026-000001] 已受理.eml", "message/rfc822"),
    ]
    assert b"Final-Recipient: rfc822; Nobody@Example.cn" in mail.attachments[0].data
    assert mail.new_text.startswith("This is the mail system at host mx.enquiry.localhost.")


# --- not mail at all, and never an exception ------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n\r\n",
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    ],
)
def test_not_mail_is_a_parse_failure(raw: bytes) -> None:
    mail = parse(raw)
    assert mail.is_parse_failure
    assert mail.defects
    assert mail.text == "" and mail.attachments == ()


def test_every_test_message_parses_cleanly() -> None:
    for path in sorted(DATA.glob("*.eml")):
        mail = parse(path.read_bytes())
        assert not mail.is_parse_failure, path.name
        assert not any(d.startswith(("parser error", "unreadable")) for d in mail.defects)
        assert "\n" not in mail.subject and "\r" not in mail.subject


SAMPLES = [path.read_bytes() for path in sorted(DATA.glob("*.eml"))]
SPICE = [b"\r\n", b"\n\n", b"=?", b"?=", b"=?gb2312?B?", b"--", b"\x00", b"\xff\xfe", b'"', b";"]
SPICE += [b"boundary=", b"charset=gb2312", b"Content-Type: multipart/mixed", b"\xe5\xbc", b">"]


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    """One of our messages with bytes flipped, inserted or deleted, or truncated."""
    raw = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        if not raw:
            break
        position = draw(st.integers(min_value=0, max_value=len(raw) - 1))
        operation = draw(st.sampled_from(["flip", "insert", "spice", "delete", "truncate"]))
        if operation == "flip":
            raw[position] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif operation == "insert":
            raw[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "spice":
            raw[position:position] = draw(st.sampled_from(SPICE))
        elif operation == "delete":
            del raw[position : position + draw(st.integers(min_value=1, max_value=64))]
        else:
            del raw[position:]
    return bytes(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_parse_never_raises_on_mutated_messages(raw: bytes) -> None:
    mail = parse(raw)
    assert not any(defect.startswith("parser error") for defect in mail.defects), mail.defects
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert "\x00" not in mail.text
    classify(mail, own_addresses=frozenset(), own_message_id_domains=frozenset())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_parse_never_raises_on_random_bytes(raw: bytes) -> None:
    mail = parse(raw)
    assert not any(defect.startswith("parser error") for defect in mail.defects), mail.defects
