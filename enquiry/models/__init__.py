"""All models, importable from one place."""

from enquiry.models.api_token import ApiToken
from enquiry.models.base import Base, SessionLike, utcnow
from enquiry.models.calendar import HolidayOverride, SearchDocument
from enquiry.models.confirmation import PendingConfirmation
from enquiry.models.mail import (
    ImapClaim,
    InboundEmail,
    InboundOutcome,
    InboundSource,
    SuppressedAddress,
)
from enquiry.models.org import Department, Role, User
from enquiry.models.privacy import LegalHold, PersonalDataRequest
from enquiry.models.records import (
    AuditChainHead,
    AuditEvent,
    OutboundEmail,
    OutboxStatus,
    ReferenceCounter,
    UsedFormToken,
)
from enquiry.models.report import Report, ReportSection
from enquiry.models.routing import CannedReply, RoutingRule
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
    PauseKind,
    Rating,
    SatisfactionRating,
    Status,
    Ticket,
)
from enquiry.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookStatus

__all__ = [
    "CITIZEN_VISIBLE_KINDS",
    "FINAL_STATUSES",
    "ApiToken",
    "ApplicantType",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Blob",
    "CannedReply",
    "Channel",
    "DeliveryForm",
    "Department",
    "HolidayOverride",
    "ImapClaim",
    "InboundEmail",
    "InboundOutcome",
    "InboundSource",
    "Kind",
    "LegalHold",
    "Message",
    "MessageKind",
    "OutboundEmail",
    "OutboxStatus",
    "PauseKind",
    "PendingConfirmation",
    "PersonalDataRequest",
    "Rating",
    "ReferenceCounter",
    "Report",
    "ReportSection",
    "Role",
    "RoutingRule",
    "SatisfactionRating",
    "SearchDocument",
    "SessionLike",
    "Setting",
    "Status",
    "SuppressedAddress",
    "Ticket",
    "UsedFormToken",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookStatus",
    "utcnow",
]
