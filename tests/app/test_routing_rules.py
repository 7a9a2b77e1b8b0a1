"""Routing rules stored in the database route every new ticket; the rule is recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Channel, Department, Kind, RoutingRule

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def open_about(app: Flask, subject: str, email: str = "a@example.com") -> tickets.Opened:
    return tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=Kind.QUESTION,
            subject=subject,
            body="请答复",
            citizen_name="王五",
            citizen_email=email,
            channel=Channel.EMAIL,
            locale="zh_Hans",
        ),
        policy=policy_from_config(app.config),
        actor=audit.Actor.system(),
        now=NOW,
    )


def test_rules_route_by_priority_and_are_recorded(app: Flask) -> None:
    with app.app_context(), app.test_request_context():
        transport = Department(code="transport", name_zh="市交通运输局")
        closed = Department(code="old", name_zh="已撤销部门", is_active=False)
        db.session.add_all([transport, closed])
        db.session.flush()
        db.session.add_all(
            [
                RoutingRule(name="撤销部门", priority=1, keywords="田字路", department=closed),
                RoutingRule(name="交通", priority=5, keywords="田字路\n公交", department=transport),
                RoutingRule(
                    name="停用",
                    priority=2,
                    keywords="田字路",
                    department=transport,
                    is_active=False,
                ),
            ]
        )
        db.session.flush()
        rule = db.session.scalar(select(RoutingRule).filter_by(name="交通"))
        routed = open_about(app, "田字路施工").ticket
        default = open_about(app, "垃圾分类").ticket
        db.session.commit()
        assert routed.department == transport and routed.routing_rule_id == rule.id
        assert default.department.is_default and default.routing_rule_id is None
