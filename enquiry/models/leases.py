"""Leased outbox rows (mail, webhooks): an update that lands only while the worker's claim holds."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update

from enquiry.models.base import Base, SessionLike


def update_while_claimed(
    session: SessionLike,
    model: type[Base],
    row_id: int,
    *,
    sending: enum.Enum,
    lease_until: datetime | None,
    values: dict[str, Any],
) -> bool:
    """Update the row only if it is still ours (status `sending`, our lease); say whether it was."""
    table: Any = model
    result = session.execute(
        update(model)
        .where(table.id == row_id, table.status == sending, table.lease_until == lease_until)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1
