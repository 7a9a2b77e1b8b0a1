"""Administration of routing rules: list in priority order, create, edit, delete, and a trial
that shows which rule a new enquiry would meet."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from enquiry.domain import admin, routing
from enquiry.domain.queries import admin as admin_queries
from enquiry.extensions import db
from enquiry.labels import KIND_LABELS
from enquiry.models import Department, Kind, Role, RoutingRule, utcnow
from enquiry.rules.routing import Facts, matches, parse_keywords, rule_view
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import (
    RuleForm,
    RuleTestForm,
    department_choices,
    error_status,
    optional_id,
    section_choices,
    show_error,
)
from enquiry.staff.blueprint import bp
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)


def rule_conditions(rule: RoutingRule) -> list[str]:
    """Return a rule's conditions as short sentences."""
    conditions = []
    if rule.kind is not None:
        conditions.append(_("Kind: %(kind)s", kind=KIND_LABELS[rule.kind]))
    if rule.report_section_id is not None:
        section = admin_queries.report_section(db.session, rule.report_section_id)
        label = f"{section.number} {section.heading}" if section else rule.report_section_id
        conditions.append(_("Part of a report: %(section)s", section=label))
    keywords = parse_keywords(rule.keywords)
    if keywords:
        conditions.append(_("Text contains any of: %(words)s", words="、".join(keywords)))
    if rule.sender_domain:
        conditions.append(_("Sender's domain: %(domain)s", domain=rule.sender_domain))
    return conditions


def rule_row(rule: RoutingRule, tickets: int, locale: str) -> dict[str, Any]:
    """Return what the rules table shows of a rule."""
    return {
        "id": rule.id,
        "url": url_for("staff.admin_edit_rule", rule_id=rule.id),
        "name": rule.name,
        "priority": rule.priority,
        "conditions": rule_conditions(rule),
        "department": rule.department.name_for(locale),
        "is_department_active": rule.department.is_active,
        "is_active": rule.is_active,
        "tickets": tickets,
    }


@bp.get("/admin/rules")
@role_required(Role.ADMIN)
def admin_rules() -> str:
    """List the routing rules in the order they are tried."""
    tickets = admin_queries.tickets_per_rule(db.session)
    locale = current_locale()
    rows = [
        rule_row(rule, tickets.get(rule.id, 0), locale)
        for rule in admin_queries.rules_in_order(db.session)
    ]
    return render_template("staff/admin/rules.html", rows=rows, test_form=test_form())


def rule_form(rule: RoutingRule | None = None) -> RuleForm:
    """Return the rule form: the request's values when posted, else the rule's."""
    if rule is None:
        form = RuleForm()
    else:
        form = RuleForm(
            name=rule.name,
            priority=rule.priority,
            kind=rule.kind.value if rule.kind else "",
            section=str(rule.report_section_id or ""),
            keywords=rule.keywords or "",
            sender_domain=rule.sender_domain or "",
            department=str(rule.department_id),
            is_active=rule.is_active,
        )
    form.section.choices = section_choices(_("Any part"))
    form.department.choices = department_choices(
        keep=rule.department_id if rule else None, blank=_("Choose a department")
    )
    return form


def rule_fields(form: RuleForm) -> admin.RuleFields:
    return admin.RuleFields(
        name=form.name.data or "",
        priority=form.priority.data,
        department_id=optional_id(form.department),
        kind=Kind(form.kind.data) if form.kind.data else None,
        report_section_id=optional_id(form.section),
        keywords=form.keywords.data,
        sender_domain=form.sender_domain.data,
        is_active=bool(form.is_active.data),
    )


@bp.route("/admin/rules/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_create_rule() -> tuple[str, int] | Response:
    """Create a routing rule."""
    form = rule_form()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/admin/rule_form.html", form=form, rule=None), status
    try:
        admin.create_rule(
            db.session, rule_fields(form), actor=actor_for(current_staff()), now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        show_error(form, error)
        status = error_status(error)
        return render_template("staff/admin/rule_form.html", form=form, rule=None), status
    db.session.commit()
    flash(_("The routing rule has been created."), "success")
    return redirect(url_for("staff.admin_rules"))


def load_rule(rule_id: int) -> RoutingRule:
    rule = admin_queries.rule_by_id(db.session, rule_id)
    if rule is None:
        abort(404)
    return rule


@bp.route("/admin/rules/<id:rule_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit_rule(rule_id: int) -> tuple[str, int] | Response:
    """Change a routing rule."""
    rule = load_rule(rule_id)
    form = rule_form(rule)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/admin/rule_form.html", form=form, rule=rule), status
    try:
        changed = admin.update_rule(
            db.session, rule, rule_fields(form), actor=actor_for(current_staff()), now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        show_error(form, error)
        status = error_status(error)
        return render_template("staff/admin/rule_form.html", form=form, rule=rule), status
    db.session.commit()
    flash(_("The changes have been saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("staff.admin_rules"))


@bp.post("/admin/rules/<id:rule_id>/delete")
@role_required(Role.ADMIN)
def admin_delete_rule(rule_id: int) -> tuple[str, int] | Response:
    """Delete a routing rule that no ticket records."""
    rule = load_rule(rule_id)
    try:
        admin.delete_rule(db.session, rule, actor=actor_for(current_staff()), now=utcnow())
    except admin.AdminError as error:
        db.session.rollback()
        problem = _(error.message, **error.params)
        page = render_template(
            "staff/admin/rule_form.html", form=rule_form(rule), rule=rule, problem=problem
        )
        return page, error_status(error)
    db.session.commit()
    flash(_("The routing rule has been deleted."), "success")
    return redirect(url_for("staff.admin_rules"))


def test_form() -> RuleTestForm:
    """Return the trial form, filled from the query string when there is one."""
    form = RuleTestForm(formdata=request.args or None)
    form.section.choices = section_choices(_("None"))
    return form


def trial_outcome(facts: Facts) -> dict[str, Any]:
    """Return the rule and department a ticket with these facts would get, and other matches."""
    decision = routing.route(db.session, facts)
    department = db.session.get(Department, decision.department_id)
    locale = current_locale()
    rules = admin_queries.rules_in_order(db.session)
    chosen = next((rule for rule in rules if rule.id == decision.rule_id), None)
    others = [
        rule_row(rule, 0, locale)
        for rule in rules
        if rule.id != decision.rule_id and matches(rule_view(rule), facts)
    ]
    return {
        "rule": rule_row(chosen, 0, locale) if chosen else None,
        "department": department.name_for(locale) if department is not None else "",
        "others": others,
    }


def render_trial(
    form: RuleTestForm, outcome: dict[str, Any] | None, status: int
) -> tuple[str, int]:
    page = render_template("staff/admin/rule_test.html", form=form, test_form=form, outcome=outcome)
    return page, status


@bp.get("/admin/rules/test")
@role_required(Role.ADMIN)
def admin_test_rules() -> tuple[str, int]:
    """Show which rule, and so which department, a new enquiry with these facts would meet."""
    form = test_form()
    if not request.args:
        return render_trial(form, None, 200)
    if not form.validate():
        return render_trial(form, None, 400)
    facts = Facts(
        kind=Kind(form.kind.data),
        report_section_id=optional_id(form.section),
        text=form.text.data or "",
        sender_email=form.sender.data or None,
    )
    try:
        return render_trial(form, trial_outcome(facts), 200)
    except routing.NoDefaultDepartmentError:
        form.form_errors.append(_("There is no active default department."))
        return render_trial(form, None, 409)
