"""What the worker does for the letters a request left: render their PDFs (tests call it)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from enquiry.domain import letter_jobs
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import utcnow


def render_letters(app: Flask, now: datetime | None = None) -> int:
    """Render every waiting letter as the worker's mail job does first; return how many."""
    with app.app_context():
        policy = policy_from_config(app.config, session=db.session)
        return letter_jobs.render_pending(db.session, policy=policy, now=now or utcnow())
