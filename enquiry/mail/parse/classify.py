"""Tell machine mail (auto-replies, bounces, lists, loops) from mail a person wrote."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from enquiry.mail.parse.bounces import (
    ORIGINAL_TYPES,
    STATUS_TYPES,
    inline_recipients,
    original_message_ids,
    original_recipients,
    read_report,
    smtp_status_line,
)
from enquiry.mail.parse.headers import clean_address
from enquiry.mail.parse.inbound import ParsedMail

REPORT_PART_TYPES = STATUS_TYPES | frozenset(
    {"message/disposition-notification", "message/feedback-report"}
)
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
# RFC 2369/2919 list headers, and those of ezmlm (Mailing-List) and fml (X-MLServer, X-ML-Name).
LIST_HEADERS = (
    "list-id",
    "list-unsubscribe",
    "list-post",
    "list-help",
    "list-subscribe",
    "list-owner",
    "list-archive",
    "mailing-list",
    "x-mailing-list",
    "x-mlserver",
    "x-ml-name",
)
AUTOREPLY_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-autoreply-from",
    "x-mail-autoreply",
)
# Local parts of machine senders, compared without separators: "post_master", "Post-Master",
# "MAILER_DAEMON", "mailer.daemon" and "mailerdaemon" are all one.
DAEMON_LOCAL_PARTS = frozenset(
    {
        "mailerdaemon",
        "maildaemon",
        "postmaster",
        "noreply",
        "donotreply",
        "bounce",
        "bounces",
    }
)
_LOCAL_SEPARATORS_RE = re.compile(r"[-_.\s]")
_DAEMON_NAME_RE = re.compile(
    r"mail(?:er)?[-_. ]?daemon|mail delivery (sub)?system|post[-_.]?master|系统退信|邮件系统",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"^\s*(undeliver(able|ed)|delivery (status notification|failure|failed|has failed"
    r"|notification)|mail delivery (failed|failure|problem)|returned mail|failure notice"
    r"|non[- ]?delivery|delivery report|message (not delivered|delivery failure)"
    r"|could not send message|warning: could not send|mail system error"
    r"|(系统退信|退信|邮件投递失败|投递失败|未送达|无法投递|邮件发送失败)\s*([:：(（]|$))",
    re.IGNORECASE,
)
_AUTOREPLY_SUBJECT_RE = re.compile(
    r"^\s*(auto[- ]?(reply|response)|automatic (reply|response)|automatische antwort"
    r"|out of (the )?office( auto[- ]?reply)?|abwesenheitsnotiz|réponse automatique"
    r"|respuesta automática|vacation( reply)?|自动回复|自動回覆|自動回复|自动答复|自动应答"
    r"|read|已读|已讀)\s*([:：]|$)",
    re.IGNORECASE,
)

_REPORT_TYPE_RE = re.compile(r"report-type\s*=\s*\"?([\w-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class MailClass:
    """Whether a message was sent by a machine, and what a bounce tells us."""

    is_automatic: bool
    is_bounce: bool
    reasons: tuple[str, ...]
    bounced_message_ids: tuple[str, ...] = ()
    bounced_recipients: tuple[str, ...] = ()
    # True when only the wording of the subject suggests a machine: still do not auto-reply,
    # but a person may have written it.
    is_weak: bool = False


def _local_part(address: str) -> str:
    return address.rsplit("@", 1)[0].split("+", 1)[0].lower()


def is_daemon_address(address: str) -> bool:
    """Say whether an address is a mail system's own (postmaster, mailer-daemon, no-reply...)."""
    return _LOCAL_SEPARATORS_RE.sub("", _local_part(address)) in DAEMON_LOCAL_PARTS


def _base_address(address: str) -> str:
    """Drop a +tag (our per-ticket reply addresses carry one) and lower-case."""
    return f"{_local_part(address)}@{address.rpartition('@')[2].lower()}"


def _header_signs(headers: dict[str, str]) -> Iterator[str]:
    auto = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if "auto-submitted" in headers and auto != "no":
        yield f"auto-submitted:{auto or 'present'}"
    if "x-auto-response-suppress" in headers:
        yield "x-auto-response-suppress"
    for name in ("precedence", "x-precedence"):
        value = headers.get(name, "").strip().lower()
        if value in BULK_PRECEDENCE:
            yield f"precedence:{value}"
    yield from (f"header:{name}" for name in LIST_HEADERS if name in headers)
    yield from (f"header:{name}" for name in AUTOREPLY_HEADERS if name in headers)
    if "x-failed-recipients" in headers:
        yield "header:x-failed-recipients"


def _sender_signs(mail: ParsedMail) -> Iterator[str]:
    if mail.return_path == "":
        yield "null-return-path"
    senders = [mail.from_addr or "", clean_address(mail.headers.get("sender", "")) or ""]
    raw_from = mail.headers.get("from", "")
    named_daemon = _DAEMON_NAME_RE.search(mail.from_name if mail.from_addr else raw_from)
    if named_daemon or any(is_daemon_address(s) for s in senders if s):
        yield "from-daemon"


def _structure_signs(mail: ParsedMail) -> Iterator[str]:
    if mail.content_type == "multipart/report":
        report_type = _REPORT_TYPE_RE.search(mail.headers.get("content-type", ""))
        yield f"multipart/report:{report_type.group(1).lower() if report_type else 'unknown'}"
    types = {attachment.content_type for attachment in mail.attachments}
    yield from (f"part:{content_type}" for content_type in sorted(types & REPORT_PART_TYPES))


def _loop_signs(
    mail: ParsedMail, own_addresses: frozenset[str], domains: frozenset[str]
) -> Iterator[str]:
    own = {_base_address(address) for address in own_addresses}
    if mail.from_addr and _base_address(mail.from_addr) in own:
        yield "loop:from-own-address"
    domain = (mail.message_id or "").rpartition("@")[2].lower()
    if domain and domain in {d.lower() for d in domains}:
        yield "loop:own-message-id"


def _is_bounce(mail: ParsedMail, reasons: list[str], report_failed: bool, has_status: bool) -> bool:
    if has_status:
        return report_failed
    from_machine = "from-daemon" in reasons or "null-return-path" in reasons
    returned = any(a.content_type in ORIGINAL_TYPES for a in mail.attachments)
    bounce_subject = bool(_BOUNCE_SUBJECT_RE.match(mail.subject))
    if "header:x-failed-recipients" in reasons:
        return True
    return from_machine and (bounce_subject or returned or smtp_status_line(mail.text) is not None)


def classify(
    mail: ParsedMail, *, own_addresses: frozenset[str], own_message_id_domains: frozenset[str]
) -> MailClass:
    """Classify a parsed message: automatic (never auto-reply) and, if so, a bounce or not."""
    headers = dict(mail.headers)
    reasons = [
        *_header_signs(headers),
        *_sender_signs(mail),
        *_structure_signs(mail),
        *_loop_signs(mail, own_addresses, own_message_id_domains),
    ]
    report = read_report(mail.attachments)
    has_status = any(a.content_type in STATUS_TYPES for a in mail.attachments)
    is_bounce = _is_bounce(mail, reasons, report.has_failure, has_status)
    if is_bounce and not any(r.startswith(("multipart/report", "part:")) for r in reasons):
        reasons.append(_bounce_evidence(mail))
    weak = not reasons
    if _AUTOREPLY_SUBJECT_RE.match(mail.subject):
        reasons.append("subject:auto-reply")
    elif _BOUNCE_SUBJECT_RE.match(mail.subject) and "bounce-subject" not in reasons:
        reasons.append("subject:bounce")
    weak = weak and bool(reasons)
    if not is_bounce:
        return MailClass(bool(reasons), False, tuple(reasons), is_weak=weak)
    return MailClass(
        is_automatic=True,
        is_bounce=True,
        reasons=tuple(reasons),
        bounced_message_ids=original_message_ids(mail.attachments, mail.text)
        or ((mail.in_reply_to,) if mail.in_reply_to else ()),
        bounced_recipients=report.failed
        or _failed_header(headers)
        or inline_recipients(mail.text)
        or original_recipients(mail.attachments),
    )


def _bounce_evidence(mail: ParsedMail) -> str:
    if _BOUNCE_SUBJECT_RE.match(mail.subject):
        return "bounce-subject"
    return "smtp-status" if smtp_status_line(mail.text) is not None else "bounce"


def _failed_header(headers: dict[str, str]) -> tuple[str, ...]:
    values = re.split(r"[,\s]+", headers.get("x-failed-recipients", ""))
    return tuple(dict.fromkeys(a for a in (clean_address(v) for v in values) if a))
