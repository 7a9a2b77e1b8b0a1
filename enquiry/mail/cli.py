"""`flask mail ...` and `flask worker` commands."""

from __future__ import annotations

from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="E-mail in and out.")
COMMANDS = [mail_cli]
