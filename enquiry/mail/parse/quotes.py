"""Separate the text a sender newly wrote from the quoted history below or around it."""

from __future__ import annotations

import re

_SEPARATOR_RE = re.compile(
    r"^[-_=*\s]{2,}\s*(original message|forwarded message|reply message|message d'origine"
    r"|ursprüngliche nachricht|原始邮件|原邮件|原始信息|原始消息|回复的原邮件|转发的邮件|转发邮件"
    r"|转发的消息|邮件原文|原始郵件|原始訊息|轉寄的郵件)\s*[-_=*\s]{2,}$",
    re.IGNORECASE,
)
_FORWARD_RE = re.compile(
    r"^(begin forwarded message|下面是转发的邮件|转发的邮件)\s*[:：]?$"
    r"|^-+\s*(below this line is a copy of the message|original message follows"
    r"|the header of the original message is following)",
    re.IGNORECASE,
)
_RULE_RE = re.compile(r"^[-_]{10,}$")
_FIELD = r"^\**\s*({})\s*\**\s*[:：]"
_FROM_RE = re.compile(_FIELD.format("发件人|发信人|寄件者|寄件人|from|von|de"), re.I)
_OTHER_FIELD_RE = re.compile(
    _FIELD.format(
        "发送时间|发送日期|日期|时间|收件人|抄送|主题|寄件日期|收件者|副本|主旨"
        "|sent|date|to|cc|subject|gesendet|an|betreff|envoyé|objet|à"
    ),
    re.I,
)
_ATTRIBUTION_RE = re.compile(
    r"^((on|am|le|el|il)\b.*\b(wrote|schrieb|a écrit|escribió|ha scritto)"
    r"|(在|于).*(写道|寫道)|.*于.*(写道|寫道))\s*[:：]?$",
    re.IGNORECASE,
)
_ATTRIBUTION_HINT_RE = re.compile(r"\d{4}|@|\d{1,2}:\d{2}")
_HEADER_BLOCK_SPAN = 7
# Marker lines are short; longer lines are never examined (and regexes stay linear).
_MAX_MARKER_LEN = 300


def _norm(line: str) -> str:
    if len(line) > _MAX_MARKER_LEN:
        return ""
    return line.replace("\u00a0", " ").replace("\u3000", " ").strip()


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_header_block(lines: list[str], index: int) -> bool:
    """Say whether an Outlook/Foxmail-style "From: / Sent: / Subject:" block starts here."""
    if not _FROM_RE.match(_norm(lines[index])):
        return False
    following = lines[index + 1 : index + _HEADER_BLOCK_SPAN]
    return sum(1 for line in following if _OTHER_FIELD_RE.match(_norm(line))) >= 2


def _attribution_span(lines: list[str], index: int) -> int:
    """Return how many lines (0, 1 or 2) an "On ... wrote:" / "在 ... 写道：" line takes."""
    for span in (1, 2):
        chunk = " ".join(_norm(line) for line in lines[index : index + span])
        if span <= len(lines) - index and _ATTRIBUTION_RE.match(chunk):
            return span if _ATTRIBUTION_HINT_RE.search(chunk) else 0
    return 0


def _is_hard_break(lines: list[str], index: int) -> bool:
    line = _norm(lines[index])
    return bool(_SEPARATOR_RE.match(line) or _FORWARD_RE.match(line)) or _is_header_block(
        lines, index
    )


def _starts_quote_block(lines: list[str], index: int) -> bool:
    following = next((line for line in lines[index:] if line.strip()), "")
    return _is_quoted(following)


def _rule_or_blank(line: str) -> bool:
    return not line.strip() or bool(_RULE_RE.match(_norm(line)))


def _find_cut(lines: list[str]) -> int:
    """Return the index where unquoted history (everything to the end) starts."""
    for index in range(len(lines)):
        if _is_hard_break(lines, index):
            while index > 0 and _rule_or_blank(lines[index - 1]):
                index -= 1
            return index
        span = _attribution_span(lines, index)
        if span and not _starts_quote_block(lines, index + span):
            return index
    return len(lines)


def _mark_quoted(lines: list[str]) -> list[bool]:
    """Mark "> " lines and the attribution lines introducing them as quoted."""
    marks = [_is_quoted(line) for line in lines]
    for index in range(len(lines)):
        span = _attribution_span(lines, index)
        if span and _starts_quote_block(lines, index + span):
            marks[index : index + span] = [True] * span
    return marks


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def split_quoted(text: str) -> tuple[str, str]:
    """Split a plain-text body into (newly written text, quoted history)."""
    lines = text.split("\n")
    cut = _find_cut(lines)
    head, tail = lines[:cut], lines[cut:]
    marks = _mark_quoted(head)
    new = [line for line, quoted in zip(head, marks, strict=True) if not quoted]
    quoted = [line for line, quoted in zip(head, marks, strict=True) if quoted]
    history = _join(quoted)
    if tail:
        history = "\n\n".join(part for part in (history, _join(tail)) if part)
    return _join(new).strip(), history.strip()


def fold_for_display(text: str, *, is_email: bool) -> tuple[str, str]:
    """Return (text to show, quoted history to fold away) of a message kept whole.

    E-mails are stored with their quoted history (the record stays complete); pages show what
    the citizen newly wrote and fold the history. Other messages are shown as they are.
    """
    if not is_email:
        return text, ""
    new, quoted = split_quoted(text)
    return (new, quoted) if new and quoted else (text, "")
