"""Retention: the periods (admins), the plan of the next run and its CSV, the figures page."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from enquiry.domain.queries import retention as queries
from enquiry.domain.retention.plan import Plan, build_plan
from enquiry.domain.retention.settings import RetentionSettingError, load_periods, save_periods
from enquiry.extensions import db
from enquiry.models import Role, utcnow
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.retention_forms import RULE_LABELS, RetentionForm
from enquiry.staff.blueprint import bp
from enquiry.staff.exports import csv_bytes
from enquiry.templating import format_time

logger = logging.getLogger(__name__)

NEXT_MONTH = timedelta(days=30)


def rule_label(rule: str) -> str:
    """Return the label of a rule (an outcome rule shows as it is written)."""
    return str(RULE_LABELS[rule]) if rule in RULE_LABELS else rule


def plan_rows(plan: Plan) -> list[dict[str, Any]]:
    """Return the counts per rule as the page shows them."""
    return [
        {"rule": rule, "label": rule_label(rule), "action": action, "count": count}
        for (rule, action), count in plan.counts().items()
    ]


def current_plan(days_ahead: timedelta = timedelta(0)) -> Plan:
    """Return the plan of a run now (or that far ahead), without changing anything."""
    plan = build_plan(db.session, load_periods(db.session), utcnow() + days_ahead)
    db.session.rollback()
    return plan


def _page(form: RetentionForm, status: int = 200) -> tuple[str, int]:
    plan = current_plan()
    return render_template(
        "staff/admin/retention.html",
        form=form,
        rows=plan_rows(plan),
        held=plan.held,
        as_of=format_time(plan.as_of),
    ), status


@bp.get("/admin/retention")
@role_required(Role.ADMIN)
def admin_retention() -> tuple[str, int]:
    """Show the retention periods and what a run now would remove."""
    form = RetentionForm()
    form.fill(load_periods(db.session))
    return _page(form)


@bp.post("/admin/retention")
@role_required(Role.ADMIN)
def admin_save_retention() -> Response | tuple[str, int]:
    """Store the retention periods (audited)."""
    form = RetentionForm()
    if not form.validate():
        return _page(form, 400)
    try:
        save_periods(db.session, form.periods(), actor=actor_for(current_staff()), now=utcnow())
    except RetentionSettingError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _page(form, 400)
    db.session.commit()
    flash(_("Retention periods saved."), "success")
    return redirect(url_for("staff.admin_retention"))


@bp.get("/admin/retention/plan.csv")
@role_required(Role.ADMIN)
def admin_retention_plan_csv() -> Response:
    """Download every ticket and mail a run now would anonymise or purge."""
    plan = current_plan()
    header = [_("Rule"), _("Action"), _("Item"), _("Since"), _("Due on")]
    rows = [
        [
            item.rule,
            item.action,
            item.reference or f"mail #{item.id}",
            item.since.isoformat(),
            item.due_on.isoformat(),
        ]
        for item in plan.items
    ]
    response = make_response(csv_bytes([header, *rows]))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = f"retention-plan-{plan.as_of.date().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/admin/personal-data")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def admin_personal_data() -> str:
    """Show how much personal data is held, by age, and what the next month's runs remove."""
    now = utcnow()
    bands = queries.held_by_age(db.session, now)
    next_month = current_plan(NEXT_MONTH)
    return render_template(
        "staff/admin/personal_data.html",
        bands=bands,
        unattached=queries.unattached_mail_count(db.session),
        rows=plan_rows(next_month),
        held=len(next_month.held),
        as_of=format_time(next_month.as_of),
    )
