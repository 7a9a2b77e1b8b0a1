"""Logs without retrieval codes: the path /track/<reference>/<code> is logged as
/track/<reference>/***.

The tracking link in a citizen's e-mail carries the code, and a code in a log file is a code
anyone who reads the logs can use. One filter masks it in every log line that names such a
path: the development server's request log (werkzeug), gunicorn's access and error logs (see
deploy/gunicorn.conf.py) and the app's own error log.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, unquote

MASK = "***"
DECODE_ROUNDS = 3
# The path up to the code, which runs to the end of the path (or of the text).
CODE_PATH = re.compile(r"(/track/+[^/?#\s]+/+)[^?#\s]+", re.IGNORECASE)
TOKEN = re.compile(r'[^\s"]+')
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def mask_target(target: str) -> str:
    """Return a request target (path and query) with a retrieval code in its path masked."""
    path, separator, query = target.partition("?")
    decoded = path
    for _ in range(DECODE_ROUNDS):  # the route matches the decoded path: so must the mask
        decoded = unquote(decoded)
    match = CODE_PATH.search(decoded)
    if match is None:
        return target
    head = quote(decoded[: match.end(1)], safe="/:@!$&()*+,;=-._~")
    return head + MASK + separator + query


def mask_codes(text: str) -> str:
    """Return a log line with every retrieval code in a path it names masked."""
    if "track" not in text.lower() and "%" not in text:
        return text  # the common case, cheaply
    return TOKEN.sub(lambda match: mask_target(match.group()), text)


class CodeMaskingFilter(logging.Filter):
    """A logging filter that masks retrieval codes in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            return True  # a malformed record: logging reports it, unchanged
        masked = mask_codes(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_codes_in(*names: str) -> None:
    """Add the masking filter to the named loggers (once each)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(known, CodeMaskingFilter) for known in logger.filters):
            logger.addFilter(CodeMaskingFilter())
