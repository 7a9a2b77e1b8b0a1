"""What a fresh installation needs: the routing office (the default department) and an admin.

`flask init` creates both, once. The routing office is also created by intake itself when an
enquiry arrives and no department exists yet (a fresh install that receives mail before
anyone ran `flask init`): the enquiry is then opened and routed there instead of being
quarantined. Every creation is audited as the administrative change it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from enquiry import audit
from enquiry.domain import admin
from enquiry.domain.admin.departments import current_default
from enquiry.models import Department, Role, SessionLike, User

logger = logging.getLogger(__name__)

DEFAULT_CODE = "egov"  # the demo's code for the same office, so `flask demo load` agrees
DEFAULT_NAME_EN = "E-Government Office"


@dataclass(frozen=True)
class RoutingOffice:
    """The department every enquiry goes to unless a routing rule decides otherwise."""

    code: str = DEFAULT_CODE
    name_zh: str = "电子政务办公室"
    name_en: str = DEFAULT_NAME_EN
    name_ug: str = ""

    @classmethod
    def from_config(cls, config: dict[str, Any] | Any) -> RoutingOffice:
        """The office as configured: ROUTING_OFFICE_CODE, OFFICE_NAME, ROUTING_OFFICE_NAME_EN."""
        return cls(
            code=str(config.get("ROUTING_OFFICE_CODE") or DEFAULT_CODE),
            name_zh=str(config.get("OFFICE_NAME") or cls.name_zh),
            name_en=str(config.get("ROUTING_OFFICE_NAME_EN") or DEFAULT_NAME_EN),
        )


def ensure_routing_office(
    session: SessionLike, office: RoutingOffice, *, actor: audit.Actor, now: datetime
) -> tuple[Department, bool]:
    """Return the default department, creating it (or promoting `office.code`) when none is.

    The second value says whether anything changed. The default is always active (it cannot
    be deactivated), so an existing one is returned as it is.
    """
    current = current_default(session)
    if current is not None:
        return current, False
    existing = session.scalar(select(Department).where(Department.code == office.code))
    if existing is not None:
        if not existing.is_active:
            admin.set_department_active(session, existing, True, actor=actor, now=now)
        admin.make_default(session, existing, actor=actor, now=now)
        logger.warning("Made department %s the routing office", existing.code)
        return existing, True
    fields = admin.DepartmentFields(
        name_zh=office.name_zh, name_en=office.name_en, name_ug=office.name_ug
    )
    department = admin.create_department(session, office.code, fields, actor=actor, now=now)
    logger.warning("Created the routing office %s (there was no default department)", office.code)
    return department, True


def has_admin(session: SessionLike) -> bool:
    """Whether an active admin account exists."""
    query = select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True)).limit(1)
    return session.scalar(query) is not None


def create_first_admin(
    session: SessionLike, *, email: str, password: str, department: Department, now: datetime
) -> User:
    """Create the first admin, in the routing office; raise admin.AdminError if refused."""
    fields = admin.UserFields(
        display_name="系统管理员", role=Role.ADMIN, department_id=department.id
    )
    return admin.create_account(
        session, email, fields, password, actor=audit.Actor.system(), now=now
    )
