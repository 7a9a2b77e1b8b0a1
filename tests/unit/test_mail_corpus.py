"""The shared real-world corpus: every message parses, and machine mail is never answered.

The corpus lives beside the project (its licences are not ours); ENQUIRY_MAIL_CORPUS points at
it. Without it the tests skip, except under CI (CI=true), where its absence is a failure.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import pytest

from enquiry.mail.parse.classify import classify
from enquiry.mail.parse.inbound import parse

CORPUS_VARIABLE = "ENQUIRY_MAIL_CORPUS"
OWN_ADDRESSES = frozenset({"enquiry@enquiry.localhost"})
OWN_DOMAINS = frozenset({"enquiry.localhost"})


def corpus_dir() -> Path | None:
    value = os.environ.get(CORPUS_VARIABLE, "").strip()
    return Path(value) if value else None


def manifest_rows() -> list[dict[str, str]]:
    directory = corpus_dir()
    if directory is None or not (directory / "MANIFEST.csv").is_file():
        return []
    with (directory / "MANIFEST.csv").open(encoding="utf-8", newline="") as manifest:
        return list(csv.DictReader(manifest))


ROWS = manifest_rows()


def test_corpus_is_configured() -> None:
    directory = corpus_dir()
    if directory is None:
        reason = f"{CORPUS_VARIABLE} is not set (point it at ../shared/mail-corpus)"
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"required under CI: {reason}")
        pytest.skip(reason)
    assert (directory / "MANIFEST.csv").is_file(), f"no MANIFEST.csv in {directory}"
    assert ROWS, "MANIFEST.csv lists no messages"


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_message(row: dict[str, str]) -> None:
    directory = corpus_dir()
    assert directory is not None
    raw = (directory / row["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == row["sha256"], "corpus file changed"

    mail = parse(raw)
    assert not any(defect.startswith("parser error") for defect in mail.defects), mail.defects
    result = classify(mail, own_addresses=OWN_ADDRESSES, own_message_id_domains=OWN_DOMAINS)

    if row["expect_no_autoreply"] == "yes":
        assert result.is_automatic, f"expected automatic ({row['no_autoreply_reasons']})"
