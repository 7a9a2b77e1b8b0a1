"""Routing rules and canned replies, administered in the staff UI."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, str_enum, utcnow
from enquiry.models.org import Department
from enquiry.models.tickets import Kind

RULE_NAME_MAX = 120
KEYWORDS_MAX = 1000
CANNED_TITLE_MAX = 120
CANNED_BODY_MAX = 10_000


class RoutingRule(Base):
    """Kind, report section, keywords or sender domain -> department; lowest priority first."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(RULE_NAME_MAX))
    priority: Mapped[int] = mapped_column(default=100, index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[Kind | None] = mapped_column(str_enum(Kind, "routing_rule_kind"))
    report_section_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_sections.id"))
    keywords: Mapped[str | None] = mapped_column(sa.String(KEYWORDS_MAX))  # one per line
    sender_domain: Mapped[str | None] = mapped_column(sa.String(253))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship()

    def __repr__(self) -> str:
        return f"<RoutingRule {self.priority} {self.name!r}>"


class CannedReply(Base):
    """A reusable answer; placeholders such as {reference} and {citizen_name} are filled in."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(CANNED_TITLE_MAX))
    body: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hans")
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<CannedReply {self.title!r}>"
