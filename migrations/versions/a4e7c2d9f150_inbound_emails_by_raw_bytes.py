"""index on inbound_emails.raw_sha256: a message without a Message-ID is matched by its bytes

Intake tells a second delivery of a message without a Message-ID by the hash of its bytes;
without the index that look-up read every stored message.

Revision ID: a4e7c2d9f150
Revises: 9d2f5a8b3c71
Create Date: 2026-12-06 15:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a4e7c2d9f150"
down_revision = "9d2f5a8b3c71"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_inbound_emails_raw_sha256", "inbound_emails", ["raw_sha256"], unique=False
    )


def downgrade():
    op.drop_index("ix_inbound_emails_raw_sha256", table_name="inbound_emails")
