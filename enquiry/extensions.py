"""Flask extensions, created unbound and bound in create_app."""

from pathlib import Path
from typing import Any

import click
from flask import Flask, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from enquiry.core_extensions import babel, db, mail

__all__ = ["babel", "csrf", "db", "init_migrate", "limiter", "login_manager", "mail"]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class StaffLoginManager(LoginManager):
    """Flask-Login, with its "strong" session protection applied to signed-in sessions only.

    Flask-Login checks every session that holds anything, a citizen's too (a CSRF token, the
    language, a confirmation to show): finding no browser fingerprint in it, it clears the
    sign-in keys that are not there and marks the session changed. So every citizen's response
    re-sent the session cookie, and a response to an older request (the similar-answers fetch
    of the ask form, still under way when the form was sent) overwrote the cookie the POST had
    just set: the citizen landed on an empty form and never saw the reference and retrieval
    code. A session with no signed-in user has nothing to protect; a signed-in one is checked as
    before (tests/app/test_staff_auth.py::test_session_is_bound_to_the_browser).
    """

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return bool(super()._session_protection_failed())


csrf = CSRFProtect()
login_manager = StaffLoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_migrate(app: Flask) -> None:
    """Bind Flask-Migrate (Alembic, Mako: about 11 MB) to the app, once, when migrations run."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)


class LazyMigrateGroup(click.Group):
    """`flask db ...`: Flask-Migrate's group, imported when a `db` command runs, so that a web
    worker never loads Alembic. Click makes the context of the command it found, and here that
    context is the real group's (its options, callback and commands)."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self.app = app

    def _real(self) -> click.Group:
        init_migrate(self.app)
        from flask_migrate.cli import db as group

        return group

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        return self._real().make_context(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> Any:
        return self._real().get_command(ctx, name)
