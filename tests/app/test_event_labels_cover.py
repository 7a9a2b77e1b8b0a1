"""Every audit event the code records, and every detail it names, has a label for people.

History and the audit log show labels, never codes: a new `audit.record(action="x.y", ...)` or
detail key without a label would show "Other event" / "Other". This reads the source for them.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from enquiry.staff import event_labels

ROOT = Path(__file__).resolve().parents[2] / "enquiry"
ACTION = re.compile(r'\baction="([a-z_]+\.[a-z_.]+)"')
DETAIL = re.compile(r"\bdetail\s*=\s*\{([^{}]*)\}", re.S)
KEY = re.compile(r'"([a-z_0-9]+)"\s*:')
# Families whose events the family label names well enough (one kind of thing each).
FAMILY_ENOUGH = {"mail", "auth"}


def sources() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted(ROOT.rglob("*.py"))]


def test_every_recorded_action_has_a_label() -> None:
    missing = set()
    for path, text in sources():
        for action in ACTION.findall(text):
            family = action.partition(".")[0]
            if action not in event_labels.EVENT_LABELS and family not in FAMILY_ENOUGH:
                missing.add(f"{action} ({path.relative_to(ROOT.parent)})")
    assert not missing, sorted(missing)


def test_every_detail_key_has_a_label_or_is_hidden() -> None:
    shown = set(event_labels.DETAIL_LABELS) | event_labels.HIDDEN_KEYS | event_labels.THREAD_KEYS
    missing = set()
    for path, text in sources():
        for body in DETAIL.findall(text):
            for key in KEY.findall(body):
                if key not in shown:
                    missing.add(f"{key} ({path.relative_to(ROOT.parent)})")
    assert not missing, sorted(missing)


def test_list_details_are_listed_and_coded_values_named(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        rows = event_labels.detail_rows(
            {
                "fields": ["citizen_name", "citizen_phone"],
                "decision": "approved",
                "grade": "satisfied",
                "request": 7,
                "role": "admin",
                "letter": "acknowledgement",
                "locale": "zh_Hans",
            }
        )
    by_label = {row["label"]: row for row in rows}
    fields = by_label["Fields changed"]
    assert not fields["is_change"] and fields["value"] == "Name、Phone"  # not "Name → Phone"
    assert by_label["Decision"]["value"] == "Approved"
    assert by_label["Grade"]["value"] == "Satisfied"
    assert by_label["Request record"]["value"] == "No. 7"
    assert by_label["Role"]["value"] not in ("admin", "—")
    assert by_label["Letter"]["value"].startswith("Acknowledgement of Registration")
    assert by_label["Language"]["value"] == "简体中文"
