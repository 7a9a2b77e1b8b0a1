"""Staff workspace under /staff."""

from enquiry.staff import (
    access,
    account,
    adoption_views,
    attachments,
    auth,
    bulk,
    calendar_notice_views,
    calendar_views,
    clock_views,
    composer_views,
    consultation_views,
    data_requests,
    evidence_views,
    holds,
    inbox,
    live_views,
    mailroom,
    notifications_views,
    outbox_views,
    paper_views,
    publishing_views,
    rating_views,
    related_views,
    remedy_views,
    report_views,
    search,
    stats_views,
    supervision_views,
    ticket,
)
from enquiry.staff.admin import audit as admin_audit
from enquiry.staff.admin import departments as admin_departments
from enquiry.staff.admin import replies as admin_replies
from enquiry.staff.admin import retention as admin_retention
from enquiry.staff.admin import rules as admin_rules
from enquiry.staff.admin import tokens as admin_tokens
from enquiry.staff.admin import users as admin_users
from enquiry.staff.admin import webhooks as admin_webhooks
from enquiry.staff.blueprint import bp

__all__ = [
    "access",
    "account",
    "admin_audit",
    "admin_departments",
    "admin_replies",
    "admin_retention",
    "admin_rules",
    "admin_tokens",
    "admin_users",
    "admin_webhooks",
    "adoption_views",
    "attachments",
    "auth",
    "bp",
    "bulk",
    "calendar_notice_views",
    "calendar_views",
    "clock_views",
    "composer_views",
    "consultation_views",
    "data_requests",
    "evidence_views",
    "holds",
    "inbox",
    "live_views",
    "mailroom",
    "notifications_views",
    "outbox_views",
    "paper_views",
    "publishing_views",
    "rating_views",
    "related_views",
    "remedy_views",
    "report_views",
    "search",
    "stats_views",
    "supervision_views",
    "ticket",
]
