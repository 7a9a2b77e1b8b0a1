"""The interpreter floor: the e-mail package must carry the header-injection fix (gh-121650)."""

from __future__ import annotations

import sys
import tomllib
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def requires_python() -> SpecifierSet:
    with PYPROJECT.open("rb") as handle:
        return SpecifierSet(tomllib.load(handle)["project"]["requires-python"])


@pytest.mark.parametrize("version", ["3.11.9", "3.11.0", "3.12.0", "3.12.4", "3.10.14"])
def test_releases_without_the_fix_are_refused(version: str) -> None:
    assert version not in requires_python()


@pytest.mark.parametrize("version", ["3.11.10", "3.11.14", "3.12.5", "3.12.12", "3.13.0", "3.14.0"])
def test_releases_with_the_fix_are_accepted(version: str) -> None:
    assert version in requires_python()


def test_this_interpreter_is_within_the_floor() -> None:
    assert ".".join(map(str, sys.version_info[:3])) in requires_python()


def test_this_interpreter_does_not_write_a_decoded_newline_as_a_header() -> None:
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = "=?utf-8?q?Notice=0D=0ABcc=3A_x=40evil?="
    message["To"] = "citizen@example.com"
    message.set_content("body")
    head = message.as_bytes().split(b"\r\n\r\n", 1)[0]
    names = {line.split(b":", 1)[0] for line in head.split(b"\r\n") if line[:1] not in b" \t"}
    assert b"Bcc" not in names
