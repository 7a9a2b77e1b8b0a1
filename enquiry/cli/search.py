"""Flask commands for the search index: `flask search reindex`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import Publication, Ticket
from enquiry.search import documents as search_documents
from enquiry.search import index as search_index
from enquiry.search import published_index

search_cli = AppGroup("search", help="Full-text search.")


@search_cli.command("reindex")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Tickets per transaction.",
)
def reindex_command(batch_size: int) -> None:
    """Rebuild the search document of every ticket and published copy, then the indexes."""
    ticket_ids = list(db.session.scalars(select(Ticket.id).order_by(Ticket.id)))
    with click.progressbar(length=len(ticket_ids), label="Indexing tickets") as bar:
        for start in range(0, len(ticket_ids), batch_size):
            batch = ticket_ids[start : start + batch_size]
            search_documents.refresh(db.session.connection(), batch)
            db.session.commit()
            bar.update(len(batch))
    copies = list(db.session.scalars(select(Publication.id).order_by(Publication.id)))
    for start in range(0, len(copies), batch_size):
        published_index.refresh(db.session.connection(), copies[start : start + batch_size])
        db.session.commit()
    search_index.optimize(db.session.connection())
    published_index.optimize(db.session.connection())
    db.session.commit()
    click.echo(f"Indexed {len(ticket_ids)} tickets and {len(copies)} published answers.")


COMMANDS = [search_cli]
