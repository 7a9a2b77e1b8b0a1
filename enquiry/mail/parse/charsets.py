"""Forgiving charset handling: relabel raw mail bytes, decode text, recover raw 8-bit headers."""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

logger = logging.getLogger(__name__)

# Labels that in practice carry GBK (or GB18030) bytes; GB18030 is a superset of all of them.
GB_LABELS = (
    "gb2312",
    "gb_2312",
    "gb2312-80",
    "gb_2312-80",
    "gbk",
    "x-gbk",
    "cp936",
    "ms936",
    "windows-936",
    "euc-cn",
    "x-euc-cn",
    "csgb2312",
    "chinese",
    "iso-ir-58",
    "csiso58gb231280",
    "cn-gb",
)
BIG5_LABELS = ("big5", "big-5", "cn-big5", "csbig5", "x-x-big5")

# Labels Python does not know (or knows as a narrower codec) mapped to the codec senders mean.
EXTRA_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-sjis": "shift_jis",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-mac-chinesesimp": "gb18030",
    "unicode-1-1-utf-8": "utf-8",
    "utf8mb4": "utf-8",
}

# Codecs that Python finds by name but that are not mail charsets.
NOT_CHARSETS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem"}
)
# Labels that can never fail to decode, so a wrong label is only visible as valid UTF-8.
PERMISSIVE = frozenset({"ascii", "iso8859-1", "cp1252", "iso8859-15"})
# ASCII-compatible multi-byte codecs: strict decoding rejects most bytes of another charset.
MULTI_BYTE = frozenset(
    {
        "gb18030",
        "gbk",
        "gb2312",
        "big5",
        "big5hkscs",
        "cp950",
        "cp932",
        "shift_jis",
        "shift_jis_2004",
        "shift_jisx0213",
        "euc_jp",
        "euc_jis_2004",
        "euc_jisx0213",
        "euc_kr",
        "cp949",
        "johab",
    }
)
# Codecs that cannot carry raw 8-bit header bytes at all (wide or 7-bit stateful).
NOT_8BIT_PREFIXES = ("utf-16", "utf_16", "utf-32", "utf_32", "utf-7", "utf_7", "iso2022", "hz")

_LABEL_ALT = "|".join(
    re.escape(label) for label in sorted(GB_LABELS + BIG5_LABELS, key=len, reverse=True)
).encode()
_PARAM_RE = re.compile(rb"(?i)(charset[ \t]*=[ \t]*[\"']?)(" + _LABEL_ALT + rb")(?![\w.:+-])")
_WORD_RE = re.compile(rb"(?i)(=\?)(" + _LABEL_ALT + rb")((?:\*[^?]*)?\?[bq]\?)")
_RFC2231_RE = re.compile(rb"(?i)(\*[ \t]*=[ \t]*[\"']?)(" + _LABEL_ALT + rb")(')")

_SURROGATE_RE = re.compile("[\udc80-\udcff]")  # a raw byte the decoder escaped


def _relabel_match(match: re.Match[bytes]) -> bytes:
    label = match.group(2).decode("ascii").lower()
    new = b"gb18030" if label in GB_LABELS else b"big5hkscs"
    return match.group(1) + new + match.group(3) if match.lastindex == 3 else match.group(1) + new


def relabel(raw: bytes) -> bytes:
    """Rewrite gb2312-family labels to gb18030 and big5 to big5hkscs in raw message bytes."""
    raw = _PARAM_RE.sub(_relabel_match, raw)
    raw = _WORD_RE.sub(_relabel_match, raw)
    return _RFC2231_RE.sub(_relabel_match, raw)


def codec_for(label: str | None) -> str | None:
    """Return the Python codec name to use for a charset label, or None if unusable."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in GB_LABELS:
        return "gb18030"
    if name in BIG5_LABELS:
        return "big5hkscs"
    name = EXTRA_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name in NOT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def detect(data: bytes) -> str | None:
    """Guess the text of undeclared or mislabelled bytes with charset-normalizer."""
    try:
        best = from_bytes(data).best()
    except Exception:  # detection is a best effort; the caller falls back to "replace"
        logger.debug("charset detection failed", exc_info=True)
        return None
    return None if best is None else str(best)


def decode_text(data: bytes, label: str | None) -> tuple[str, str | None]:
    """Decode body bytes by their label, falling back to detection; return (text, defect)."""
    codec = codec_for(label)
    defect = None if codec or not label else f"unknown charset {label!r}"
    if codec is None or codec in PERMISSIVE:
        text = _strict(data, "utf-8")
        if text is not None:
            if codec and not data.isascii():
                defect = f"charset {label!r} mislabels UTF-8"
            return text, defect
    if codec is not None:
        text = _strict(data, codec)
        if text is not None:
            return text, defect
        defect = f"bytes do not match charset {label!r}"
        text = _strict(data, "utf-8")
        if text is not None:
            return text, defect
    text = detect(data)
    if text is not None:
        return text, defect or "charset guessed"
    return data.decode(codec or "utf-8", errors="replace"), defect or "undecodable bytes replaced"


def _raw_candidates(label: str | None) -> list[str]:
    """The codecs to try on raw 8-bit header bytes, most likely first."""
    codec = codec_for(label)
    if codec is None or codec.startswith(NOT_8BIT_PREFIXES):
        return ["utf-8", "gb18030"]
    if codec in MULTI_BYTE:  # strict decoding would reject a wrong one: trust the label first
        return list(dict.fromkeys(["utf-8", codec, "gb18030"]))
    # A single-byte label decodes anything, GBK included, into mojibake: it comes last.
    return list(dict.fromkeys(["utf-8", "gb18030", codec]))


def decode_raw(data: bytes, label: str | None = None) -> str:
    """Decode raw 8-bit header bytes: UTF-8, a multi-byte label, GB18030, a single-byte label."""
    if data.isascii():
        return data.decode("ascii")
    for codec in _raw_candidates(label):
        text = _strict(data, codec)
        if text is not None:
            return text
    return data.decode("utf-8", errors="replace")


def decode_unlabelled(data: bytes) -> str:
    """Decode raw 8-bit header bytes: UTF-8 (Coremail), then GB18030, then replace."""
    return decode_raw(data)


def recover(value: str) -> bytes:
    """Turn a string holding surrogate-escaped raw bytes back into those bytes."""
    try:
        return value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return value.encode("utf-8", errors="replace")


def has_surrogates(value: str) -> bool:
    """Say whether a string still carries surrogate-escaped raw bytes."""
    return _SURROGATE_RE.search(value) is not None
