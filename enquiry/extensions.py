"""Flask extensions, created unbound and bound in create_app."""

from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from enquiry.core_extensions import babel, db, mail

__all__ = ["babel", "csrf", "db", "init_migrate", "limiter", "login_manager", "mail"]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
csrf = CSRFProtect()
login_manager = LoginManager()
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
