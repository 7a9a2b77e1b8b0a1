"""Retrieval codes are masked in log lines, however the tracking path is written."""

from __future__ import annotations

import logging

import pytest

from enquiry.access_log import CodeMaskingFilter, mask_codes, mask_codes_in

CODE = "7K2M-9QXR-4TNB-H8WZ-3CVD"
REFERENCE = "WLMQ-2026-000123"


@pytest.mark.parametrize(
    "line",
    [
        f'"GET /track/{REFERENCE}/{CODE} HTTP/1.1" 303 -',
        f"GET /track/{REFERENCE}/{CODE}?utm=mail HTTP/1.1",
        f"GET /track/{REFERENCE.lower()}/{CODE.lower()} HTTP/1.1",
        f"GET /track%2F{REFERENCE}%2F{CODE} HTTP/1.1",
        f"GET /%74rack/{REFERENCE}/{CODE} HTTP/1.1",
        f"GET //track//{REFERENCE}///{CODE} HTTP/1.1",
        f"GET /track/{REFERENCE}/{CODE.replace('-', '%2D')} HTTP/1.1",
        f"GET /prefix/track/{REFERENCE}/{CODE} HTTP/1.1",
        f"\x1b[33mGET /track/{REFERENCE}/{CODE} HTTP/1.1\x1b[0m",
        f'1.2.3.4 - - [x] "GET /track/{REFERENCE}/{CODE} HTTP/1.1" 404 9 "https://enquiry.test/track/{REFERENCE}/{CODE}"',
        f"Exception on /track/{REFERENCE}/{CODE} [GET]",
    ],
)
def test_the_code_is_masked(line: str) -> None:
    masked = mask_codes(line)
    for form in (CODE, CODE.lower(), CODE.replace("-", ""), CODE.replace("-", "%2D")):
        assert form not in masked
    assert "***" in masked
    assert REFERENCE.lower() in masked.lower()


@pytest.mark.parametrize(
    "line",
    [
        f'"GET /track/{REFERENCE} HTTP/1.1" 200 5120',
        f'"GET /track?reference={REFERENCE} HTTP/1.1" 200 -',
        '"POST /track HTTP/1.1" 303 -',
        '"GET /staff/tickets/12 HTTP/1.1" 200 -',
        "100% of nothing",
    ],
)
def test_other_lines_are_left_alone(line: str) -> None:
    assert mask_codes(line) == line


def test_the_filter_masks_a_real_log_record() -> None:
    logger = logging.getLogger("tests.access_log.filter")
    logger.propagate = False
    kept: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(self.format(record))

    handler = Keep()
    logger.addHandler(handler)
    try:
        mask_codes_in(logger.name)
        mask_codes_in(logger.name)  # once is enough
        assert sum(isinstance(f, CodeMaskingFilter) for f in logger.filters) == 1
        logger.warning('"%s" %s %s', f"GET /track/{REFERENCE}/{CODE} HTTP/1.1", 303, "-")
        logger.warning("%(r)s", {"r": f"GET /track/{REFERENCE}/{CODE} HTTP/1.1"})
        logger.warning("nothing to mask: %d%%", 100)
    finally:
        logger.removeHandler(handler)
        for known in list(logger.filters):
            logger.removeFilter(known)
    assert kept == [
        f'"GET /track/{REFERENCE}/*** HTTP/1.1" 303 -',
        f"GET /track/{REFERENCE}/*** HTTP/1.1",
        "nothing to mask: 100%",
    ]
