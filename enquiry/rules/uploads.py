"""Uploaded files: type by content, safe names. Pure: no Flask, no database."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import filetype

# content type -> the extension a stored file gets
ALLOWED_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "text/plain": "txt",
}
FILENAME_MAX = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Upload:
    """A file a citizen sent, already checked."""

    filename: str
    content_type: str
    data: bytes


class UploadError(ValueError):
    """The file is not acceptable."""


def detect_type(data: bytes) -> str | None:
    """Return the allowed content type of data judged by its bytes, or None."""
    if not data:
        return None
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    return "text/plain" if _is_text(data) else None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def safe_filename(name: str, content_type: str) -> str:
    """Return a display-safe file name: no path, no control characters, the right extension."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _CONTROL.sub("", name).strip().strip(".")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[: FILENAME_MAX - 6].strip() or "attachment"
    return f"{stem}.{ALLOWED_TYPES[content_type]}"


def check_upload(name: str, data: bytes, max_bytes: int) -> Upload:
    """Check one file's size and type; raise UploadError with a reason code."""
    if len(data) > max_bytes:
        raise UploadError("too_large")
    content_type = detect_type(data)
    if content_type is None:
        raise UploadError("type_not_allowed")
    return Upload(filename=safe_filename(name, content_type), content_type=content_type, data=data)
