"""`flask init`: the routing office and the first admin of a fresh installation, once.

Idempotent: what exists is left as it is, so `make run` calls it after `flask demo load
--if-empty` (which creates both itself) and a deployment may call it on every start. Values
come from the options, else the environment (ENQUIRY_INIT_*), else a prompt; with
`--no-input` the department falls back to the configured routing office and the admin is
only created when an e-mail address is given (a password is then generated and shown once).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from enquiry.audit import Actor
from enquiry.domain import admin
from enquiry.domain.accounts.passwords import generate_password
from enquiry.domain.admin import install
from enquiry.domain.admin.departments import current_default
from enquiry.extensions import db
from enquiry.models import Department, utcnow


@click.command("init")
@with_appcontext
@click.option("--department-code", envvar="ENQUIRY_INIT_DEPARTMENT_CODE", default=None)
@click.option("--department-name", envvar="ENQUIRY_INIT_DEPARTMENT_NAME", default=None)
@click.option("--admin-email", envvar="ENQUIRY_INIT_ADMIN_EMAIL", default=None)
@click.option("--admin-password", envvar="ENQUIRY_INIT_ADMIN_PASSWORD", default=None)
@click.option("--no-input", is_flag=True, help="Never prompt; use the configured defaults.")
def init_command(
    department_code: str | None,
    department_name: str | None,
    admin_email: str | None,
    admin_password: str | None,
    no_input: bool,
) -> None:
    """Create the routing office (default department) and the first admin, if missing."""
    department = ensure_office(department_code, department_name, no_input=no_input)
    if install.has_admin(db.session):
        click.echo("An admin account exists already.")
    else:
        if admin_email is None and not no_input:
            admin_email = click.prompt("E-mail address of the first admin")
        if admin_email:
            create_admin(admin_email, admin_password, department, no_input=no_input)
        else:
            click.secho(
                "No admin account exists yet: run `flask init --admin-email ...`.", fg="yellow"
            )
    db.session.commit()


def ensure_office(code: str | None, name: str | None, *, no_input: bool) -> Department:
    """Find or create the routing office and say which it is."""
    existing = current_default(db.session)
    if existing is not None:
        click.echo(f"The routing office exists already: {existing.code} ({existing.name_zh}).")
        return existing
    configured = install.RoutingOffice.from_config(current_app.config)
    if not no_input:
        code = code or click.prompt("Code of the routing office", default=configured.code)
        name = name or click.prompt("Its name", default=configured.name_zh)
    office = install.RoutingOffice(
        code=code or configured.code,
        name_zh=name or configured.name_zh,
        name_en=configured.name_en,
    )
    try:
        department, _ = install.ensure_routing_office(
            db.session, office, actor=Actor.system(), now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"Routing office: {department.code} ({department.name_zh}).")
    return department


def create_admin(
    email: str, password: str | None, department: Department, *, no_input: bool
) -> None:
    """Create the first admin; a missing password is asked for, or generated and shown."""
    shown = False
    if password is None and not no_input:
        password = click.prompt(
            "Password (empty: generate one)",
            default="",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
        )
    if not password:
        password, shown = generate_password(), True
    try:
        user = install.create_first_admin(
            db.session, email=email, password=password, department=department, now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    if shown:
        click.secho(
            f"Admin: {user.email}  password: {password}  (shown once; keep it)", fg="yellow"
        )
    else:
        click.echo(f"Admin: {user.email}")
