"""Staff workspace under /staff."""

from enquiry.staff import (
    access,
    account,
    attachments,
    auth,
    bulk,
    calendar_views,
    clock_views,
    inbox,
    mailroom,
    outbox_views,
    rating_views,
    search,
    stats_views,
    supervision_views,
    ticket,
)
from enquiry.staff.admin import audit as admin_audit
from enquiry.staff.admin import departments as admin_departments
from enquiry.staff.admin import replies as admin_replies
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
    "admin_rules",
    "admin_tokens",
    "admin_users",
    "admin_webhooks",
    "attachments",
    "auth",
    "bp",
    "bulk",
    "calendar_views",
    "clock_views",
    "inbox",
    "mailroom",
    "outbox_views",
    "rating_views",
    "search",
    "stats_views",
    "supervision_views",
    "ticket",
]
