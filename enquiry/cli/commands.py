"""Flask commands: report import, demo data, users, and running everything for development."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from enquiry.cli import demo
from enquiry.domain import reports
from enquiry.domain.accounts.passwords import WeakPasswordError, create_user, generate_password
from enquiry.extensions import db
from enquiry.models import Department, Role, Ticket, User

report_cli = AppGroup("report", help="Annual reports.")
demo_cli = AppGroup("demo", help="Demonstration data.")
users_cli = AppGroup("users", help="Staff accounts.")


@report_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, required=True, help="The year the report covers.")
@click.option("--source-url", default=None, help="Where the report was published.")
@click.option("--published", "published_on", default=None, help="Publication date, YYYY-MM-DD.")
@click.option("--replace", is_flag=True, help="Replace an already imported report of that year.")
def import_report_command(
    file: Path, year: int, source_url: str | None, published_on: str | None, replace: bool
) -> None:
    """Split a report into its numbered sections and store them."""
    text = file.read_text(encoding="utf-8")
    published = date.fromisoformat(published_on) if published_on else None
    try:
        report = reports.import_report(
            db.session,
            text,
            year=year,
            source_url=source_url,
            published_on=published,
            replace=replace,
        )
    except (reports.ReportExistsError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Imported the {year} report: {len(report.sections)} sections.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
def load_demo_command(if_empty: bool) -> None:
    """Load the demo: departments, the 2013 report, an admin and a few enquiries."""
    if if_empty and db.session.scalar(select(func.count()).select_from(Department)):
        click.echo("Demo data already loaded.")
        return
    password = current_app.config.get("DEMO_ADMIN_PASSWORD")
    printed = password is None
    password = password or generate_password()
    demo.load(db.session, admin_password=password, progress=click.echo)
    db.session.commit()
    email = current_app.config["DEMO_ADMIN_EMAIL"]
    if printed:
        click.secho(
            f"Demo admin: {email}  password: {password}  (shown once; keep it)", fg="yellow"
        )
    else:
        click.echo(f"Demo admin: {email} (password from ENQUIRY_DEMO_ADMIN_PASSWORD)")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.AGENT.value)
@click.option("--department", "department_code", default=None, help="Department code.")
@click.password_option()
def create_user_command(
    email: str, display_name: str, role: str, department_code: str | None, password: str
) -> None:
    """Create a staff account."""
    department = None
    if department_code:
        department = db.session.scalar(select(Department).filter_by(code=department_code))
        if department is None:
            raise click.ClickException(f"No department with code {department_code!r}.")
    if db.session.scalar(select(User).filter_by(email=email.strip().lower())):
        raise click.ClickException(f"A user with e-mail {email} already exists.")
    try:
        create_user(
            db.session,
            email=email,
            display_name=display_name,
            password=password,
            role=Role(role),
            department=department,
        )
    except WeakPasswordError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} {email}.")


@click.command("run-all")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def run_all_command(host: str, port: int) -> None:
    """Serve the site for development, with the mail worker and a local mail catcher."""
    from enquiry.cli import devserver

    tickets = db.session.scalar(select(func.count()).select_from(Ticket))
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "enquiry:create_app")
    base_url = devserver.public_base_url(current_app.config, host, port)
    if base_url is not None:  # mail links lead to where the site is served
        env["ENQUIRY_PUBLIC_BASE_URL"] = base_url
    flask = [sys.executable, "-m", "flask"]
    children = devserver.plan(
        current_app.config, flask=flask, host=host, port=port, announce=click.echo
    )
    processes = []
    try:
        for child in children:  # in order: the worker's first pass finds the catcher listening
            process = subprocess.Popen(child.argv, env=env, start_new_session=True)  # noqa: S603
            processes.append((child.name, process))
            devserver.wait_until_ready(child)
    except BaseException:  # Ctrl-C while starting: the children have their own sessions
        devserver.stop_all(processes, grace=5)
        raise
    click.echo(f"Serving http://{host}:{port}  ({tickets} tickets in the database)")
    if devserver.wants_catcher(current_app.config):
        caught = Path(current_app.instance_path) / "mail-catcher"
        click.echo(f"Outgoing mail is caught, not sent: one .eml file per message in {caught}/")
    else:
        mail_to = f"{current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']}"
        click.echo(f"Outgoing mail is sent through {mail_to}")
    click.echo(f"Started: {', '.join(child.name for child in children)}. Stop with Ctrl-C.")
    raise SystemExit(devserver.supervise(processes, announce=click.echo))


def init_app(app: Flask) -> None:
    """Register the commands."""
    from enquiry.cli import audit as audit_cli
    from enquiry.cli import deadlines as deadline_cli
    from enquiry.cli import init as init_cli
    from enquiry.cli import mail as mail_commands
    from enquiry.cli import notify as notify_cli
    from enquiry.cli import retention as retention_cli
    from enquiry.cli import search as search_cli
    from enquiry.cli import webhooks as webhooks_cli

    for command in (init_cli.init_command, report_cli, demo_cli, users_cli, run_all_command):
        app.cli.add_command(command)
    for command in [
        *mail_commands.COMMANDS,
        *audit_cli.COMMANDS,
        *search_cli.COMMANDS,
        *deadline_cli.COMMANDS,
        *webhooks_cli.COMMANDS,
        *notify_cli.COMMANDS,
        *retention_cli.COMMANDS,
    ]:
        app.cli.add_command(command)
