"""`flask audit verify|head|rotate-key`: prove the audit chain unbroken, anchor it, rotate keys."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from enquiry.audit import Anchor, read_head, walk_chain
from enquiry.audit import keys as audit_keys
from enquiry.extensions import db

audit_cli = AppGroup("audit", help="The audit trail.")


def _anchor(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[Anchor]:
    try:
        return [Anchor.parse(value) for value in values]
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@audit_cli.command("verify")
@click.option(
    "--against",
    "anchors",
    multiple=True,
    callback=_anchor,
    metavar="HASH:COUNT",
    help="A head recorded earlier (the supervisors' daily digest): the COUNT-th event must"
    " still have this hash. Repeat for several.",
)
def verify_command(anchors: list[Anchor]) -> None:
    """Recompute every event's hash and content hashes; exit 1 at the first break."""
    keyring = audit_keys.load_keyring(current_app._get_current_object())  # type: ignore[attr-defined]
    broken, walk = walk_chain(db.session, keyring, anchors)
    if broken is not None:
        click.secho(f"Audit chain BROKEN at event {broken.event_id}: {broken.reason}", fg="red")
        raise SystemExit(1)
    click.secho(f"Audit chain intact: {walk.position} events verified.", fg="green")
    if walk.legacy:
        click.echo(
            f"{walk.legacy} of them are from before the chain was keyed: only anchors recorded"
            " since protect those from being rewritten."
        )
    for anchor in anchors:
        click.echo(f"Anchor {anchor} found at its place.")
    click.echo(f"Head: {walk.expected_prev}:{walk.position}")


@audit_cli.command("head")
def head_command() -> None:
    """Print the chain's head as HASH:COUNT, to record outside the database."""
    digest, length = read_head(db.session)
    db.session.commit()
    click.echo(f"{digest}:{length}")


@audit_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Start a new audit key; the old one is kept under instance/audit_keys/ for verification."""
    try:
        old_id, new_id = audit_keys.rotate(current_app._get_current_object())  # type: ignore[attr-defined]
    except audit_keys.AuditKeyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Retired key {old_id}; new events will be signed with key {new_id}.")
    click.echo("Restart the app servers and workers to sign with the new key.")


COMMANDS = [audit_cli]
