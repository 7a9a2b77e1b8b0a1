"""Which department a new ticket goes to. Rules come with the staff workspace; the default
department (the e-government office) takes everything no rule claims."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from enquiry.models import Department, SessionLike


class NoDefaultDepartmentError(RuntimeError):
    """No department is marked as the default; run `flask demo load` or create one."""


@dataclass(frozen=True)
class RoutingDecision:
    department: Department
    rule_id: int | None


def route(session: SessionLike) -> RoutingDecision:
    """Return the department a new ticket goes to."""
    department = session.scalar(
        select(Department).where(Department.is_default.is_(True), Department.is_active.is_(True))
    )
    if department is None:
        raise NoDefaultDepartmentError("no active default department")
    return RoutingDecision(department=department, rule_id=None)
