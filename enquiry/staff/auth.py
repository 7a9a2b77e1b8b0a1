"""Staff sign-in. (Being written.)"""

from __future__ import annotations

from enquiry.extensions import db, login_manager
from enquiry.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the active user for a session, or None."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None
