"""All models, importable from one place."""

from enquiry.models.base import Base, SessionLike, utcnow
from enquiry.models.org import Department, Role, User
from enquiry.models.records import (
    AuditEvent,
    OutboundEmail,
    OutboxStatus,
    ReferenceCounter,
    UsedFormToken,
)
from enquiry.models.report import Report, ReportSection
from enquiry.models.settings import Setting
from enquiry.models.tickets import (
    CITIZEN_VISIBLE_KINDS,
    FINAL_STATUSES,
    ApplicantType,
    Attachment,
    Blob,
    Channel,
    DeliveryForm,
    Kind,
    Message,
    MessageKind,
    Status,
    Ticket,
)

__all__ = [
    "CITIZEN_VISIBLE_KINDS",
    "FINAL_STATUSES",
    "ApplicantType",
    "Attachment",
    "AuditEvent",
    "Base",
    "Blob",
    "Channel",
    "DeliveryForm",
    "Department",
    "Kind",
    "Message",
    "MessageKind",
    "OutboundEmail",
    "OutboxStatus",
    "ReferenceCounter",
    "Report",
    "ReportSection",
    "Role",
    "SessionLike",
    "Setting",
    "Status",
    "Ticket",
    "UsedFormToken",
    "User",
    "utcnow",
]
