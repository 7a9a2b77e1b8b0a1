"""Retention periods per kind (and outcome), set by administrators, stored as one setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from enquiry import audit
from enquiry.domain.admin.common import changes
from enquiry.models import Kind, SessionLike
from enquiry.models.settings import get_setting, put_setting
from enquiry.rules import outcomes

SETTING_KEY = "retention_periods"
SPAM = "spam"  # tickets marked spam: purged
MAIL = "mail"  # quarantined mail and mail that never joined a ticket: purged
YEAR = 365
DEFAULT_DAYS = {
    Kind.QUESTION.value: 3 * YEAR,
    Kind.SUGGESTION.value: 3 * YEAR,
    Kind.COMPLAINT.value: 3 * YEAR,
    Kind.OTHER.value: 3 * YEAR,
    Kind.INFO_APPLICATION.value: 5 * YEAR,
    Kind.PERSONAL_DATA.value: 3 * YEAR,
    SPAM: 30,
    MAIL: 30,
}
MIN_DAYS = 1
MAX_DAYS = 100 * YEAR
OUTCOME_SEPARATOR = "/"  # "info_application/3.1": a period for one outcome of one kind


class RetentionSettingError(ValueError):
    """A period that cannot be stored (unknown kind or outcome, out of range)."""


@dataclass(frozen=True)
class Periods:
    """Days after closing (or receipt, for mail) before personal data is removed."""

    days: dict[str, int]

    def for_ticket(self, kind: Kind, outcome: str | None) -> tuple[str, int]:
        """Return the rule that applies to a closed ticket and its period in days."""
        specific = f"{kind.value}{OUTCOME_SEPARATOR}{outcome}" if outcome else None
        if specific is not None and specific in self.days:
            return specific, self.days[specific]
        return kind.value, self.days[kind.value]

    @property
    def overrides(self) -> dict[str, int]:
        """The per-outcome periods."""
        return {key: days for key, days in self.days.items() if OUTCOME_SEPARATOR in key}


def load_periods(session: SessionLike) -> Periods:
    """Return the periods in force: the defaults, replaced by what administrators set."""
    stored = get_setting(session, SETTING_KEY, {}) or {}
    days = dict(DEFAULT_DAYS)
    days.update({k: int(v) for k, v in stored.items() if isinstance(v, int) and _valid_key(k)})
    return Periods(days)


def _valid_key(key: str) -> bool:
    if key in DEFAULT_DAYS:
        return True
    kind, _, outcome = key.partition(OUTCOME_SEPARATOR)
    return kind in {k.value for k in Kind} and outcomes.is_valid(outcome)


def save_periods(
    session: SessionLike, days: dict[str, int], *, actor: audit.Actor, now: datetime
) -> Periods:
    """Store the periods (all of them: an override left out is removed) and audit the change."""
    for key, value in days.items():
        if not _valid_key(key):
            raise RetentionSettingError(f"unknown retention rule {key!r}")
        if not MIN_DAYS <= value <= MAX_DAYS:
            raise RetentionSettingError(f"{key}: {value} days is out of range")
    before = load_periods(session).days
    put_setting(session, SETTING_KEY, dict(days), now=now)
    after = load_periods(session).days
    old, new = changes(before, after)
    removed = {key: before[key] for key in before if key not in after}
    if old or new or removed:
        detail = {"before": old | removed, "after": new}
        audit.record(
            session, action="retention.periods_changed", actor=actor, now=now, detail=detail
        )
    return Periods(after)
