"""Bounces without a machine-readable part: a mail system's sender in any of its spellings and
an SMTP 4xx/5xx reply line in the text are enough; either alone is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from enquiry.mail.parse.bounces import smtp_status_line
from enquiry.mail.parse.classify import MailClass, classify, is_daemon_address
from enquiry.mail.parse.inbound import parse

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"
OWN = frozenset({"xxgk@enquiry.localhost"})
DOMAINS = frozenset({"enquiry.localhost"})
STATUS_BODY = (
    "Your message could not be delivered.\r\n\r\n550 5.1.1 <x@example.cn>: User unknown\r\n"
)


def classified(sender: str, body: str = STATUS_BODY, subject: str = "Re: 您的留言") -> MailClass:
    raw = (
        f"From: {sender}\r\nTo: xxgk@enquiry.localhost\r\nSubject: {subject}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    )
    return classify(parse(raw.encode()), own_addresses=OWN, own_message_id_domains=DOMAINS)


def test_a_post_master_report_with_a_re_subject_is_a_bounce() -> None:
    mail = parse((DATA / "intake-postmaster-bounce.eml").read_bytes())
    result = classify(mail, own_addresses=OWN, own_message_id_domains=DOMAINS)
    assert result.is_automatic and result.is_bounce
    assert result.reasons == ("from-daemon", "smtp-status")
    assert result.bounced_message_ids == ("ack-placeholder@enquiry.invalid",)


@pytest.mark.parametrize(
    "local",
    [
        "postmaster",
        "post_master",
        "post-master",
        "Post.Master",
        "POSTMASTER",
        "mailer-daemon",
        "MAILER_DAEMON",
        "mailerdaemon",
        "Mailer.Daemon",
        "mail-daemon",
        "mail_daemon",
        "maildaemon",
        "postmaster+bounces",
    ],
)
def test_daemon_local_parts_in_their_common_spellings(local: str) -> None:
    assert is_daemon_address(f"{local}@mail.example.cn")
    result = classified(f"{local}@mail.example.cn")
    assert result.is_bounce and "from-daemon" in result.reasons


@pytest.mark.parametrize(
    "name", ["Post_Master", "Mailer_Daemon", "Mail Daemon", "Post-Master", "MAILER-DAEMON"]
)
def test_daemon_display_names(name: str) -> None:
    assert classified(f'"{name}" <notices@mail.example.cn>').is_bounce


@pytest.mark.parametrize(
    "line",
    [
        "550 5.1.1 <x@example.cn>: Recipient address rejected: User unknown",
        "554 delivery error: dd This user doesn't have an account",
        "452 4.2.2 Mailbox full",
        "550-5.1.1 The email account that you tried to reach does not exist.",
        "  553 5.1.3 Invalid address",
        "host mx.example.cn said: 550 Mailbox not found",
        "> 550 用户不存在",
        "Diagnostic: smtp; 554 5.7.1 Message rejected",
    ],
)
def test_smtp_reply_lines_are_bounce_evidence(line: str) -> None:
    body = f"这是系统退信。\r\n\r\n{line}\r\n"
    assert smtp_status_line(body) is not None
    assert classified("post_master@mail.example.cn", body).is_bounce


@pytest.mark.parametrize(
    "text",
    [
        "我们小区有550户居民，供暖一直不好。",
        "Status 5.1.1 alone is not a reply line",
        "2026 people signed",
        "call 12345 for help",
    ],
)
def test_numbers_in_prose_are_not_reply_lines(text: str) -> None:
    assert smtp_status_line(text) is None


def test_a_reply_line_from_a_person_is_not_a_bounce() -> None:
    """A citizen quoting a bounce they received is a person writing, not a bounce."""
    result = classified("wangrz@example.cn")
    assert not result.is_automatic and not result.is_bounce


def test_a_daemon_without_any_bounce_evidence_is_automatic_but_not_a_bounce() -> None:
    result = classified("post_master@mail.example.cn", "您好，请问有什么可以帮您？\r\n")
    assert result.is_automatic and not result.is_weak and not result.is_bounce


@pytest.mark.parametrize(
    "local", ["postmasters-fan", "mailerdaemonic", "post", "master", "daemon", "noreply-fan"]
)
def test_people_whose_names_only_resemble_daemons(local: str) -> None:
    assert not is_daemon_address(f"{local}@example.cn")
