"""Read uploaded files from a request and check them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from enquiry.rules.uploads import Upload, UploadError, check_upload


@dataclass(frozen=True)
class UploadProblem:
    status: int
    message: str


def read_uploads(files: list[FileStorage], max_bytes: int) -> list[Upload] | UploadProblem:
    """Return the checked uploads, or the first problem with its HTTP status."""
    uploads = []
    for storage in files:
        data = storage.stream.read(max_bytes + 1)
        name = storage.filename or ""
        try:
            uploads.append(check_upload(name, data, max_bytes))
        except UploadError as error:
            return problem(str(error), name, max_bytes)
    return uploads


def problem(reason: str, name: str, max_bytes: int) -> UploadProblem:
    if reason == "too_large":
        message = _l(
            "The file %(name)s is larger than %(size)d MB.", name=name, size=max_bytes // 2**20
        )
        return UploadProblem(413, str(message))
    message = _l(
        "The file %(name)s is not an accepted type (images, PDF, Word, Excel or plain text).",
        name=name,
    )
    return UploadProblem(400, str(message))
