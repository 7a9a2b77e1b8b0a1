"""All models, importable from one place."""

from enquiry.models.api_token import ApiToken
from enquiry.models.base import Base, SessionLike, utcnow
from enquiry.models.calendar import (
    CalendarNotice,
    CalendarNoticeDay,
    HolidayOverride,
    SearchDocument,
)
from enquiry.models.composer import ReplyDraft, TicketPresence
from enquiry.models.confirmation import PendingConfirmation
from enquiry.models.consultation import Consultation, ConsultationKind, ConsultationState
from enquiry.models.letter_job import LetterJob
from enquiry.models.mail import (
    ImapClaim,
    InboundEmail,
    InboundOutcome,
    InboundSource,
    SuppressedAddress,
)
from enquiry.models.notifications import (
    MailState,
    Notification,
    NotificationKind,
    NotificationSetting,
    NotifyMode,
    ReadHorizon,
    TicketRead,
)
from enquiry.models.org import Department, Role, User
from enquiry.models.privacy import LegalHold, PersonalDataRequest
from enquiry.models.publication import (
    Adoption,
    Publication,
    PublicationSearchDocument,
    PublicationStatus,
    SuggestionAdoption,
)
from enquiry.models.records import (
    AuditChainHead,
    AuditEvent,
    OutboundEmail,
    OutboxStatus,
    ReferenceCounter,
    UsedFormToken,
)
from enquiry.models.remedies import Remedy, RemedyKind, RemedyResult
from enquiry.models.report import Report, ReportSection
from enquiry.models.routing import CannedReply, RoutingRule
from enquiry.models.settings import Setting
from enquiry.models.tickets import (
    CITIZEN_VISIBLE_KINDS,
    FINAL_STATUSES,
    OPEN_STATUSES,
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
    "OPEN_STATUSES",
    "Adoption",
    "ApiToken",
    "ApplicantType",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Blob",
    "CalendarNotice",
    "CalendarNoticeDay",
    "CannedReply",
    "Channel",
    "Consultation",
    "ConsultationKind",
    "ConsultationState",
    "DeliveryForm",
    "Department",
    "HolidayOverride",
    "ImapClaim",
    "InboundEmail",
    "InboundOutcome",
    "InboundSource",
    "Kind",
    "LegalHold",
    "LetterJob",
    "MailState",
    "Message",
    "MessageKind",
    "Notification",
    "NotificationKind",
    "NotificationSetting",
    "NotifyMode",
    "OutboundEmail",
    "OutboxStatus",
    "PauseKind",
    "PendingConfirmation",
    "PersonalDataRequest",
    "Publication",
    "PublicationSearchDocument",
    "PublicationStatus",
    "Rating",
    "ReadHorizon",
    "ReferenceCounter",
    "Remedy",
    "RemedyKind",
    "RemedyResult",
    "ReplyDraft",
    "Report",
    "ReportSection",
    "Role",
    "RoutingRule",
    "SatisfactionRating",
    "SearchDocument",
    "SessionLike",
    "Setting",
    "Status",
    "SuggestionAdoption",
    "SuppressedAddress",
    "Ticket",
    "TicketPresence",
    "TicketRead",
    "UsedFormToken",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookStatus",
    "utcnow",
]
