"""Personal data lifecycle: tickets.anonymised_at, legal holds, personal data requests

Revision ID: a61f0c3d9e28
Revises: 5e8f1c2a9b37
Create Date: 2026-12-04 21:45:00.000000

"""

from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = "a61f0c3d9e28"
down_revision = "5e8f1c2a9b37"
branch_labels = None
depends_on = None


OLD_KINDS = ("question", "suggestion", "complaint", "info_application", "other")
NEW_KINDS = (*OLD_KINDS, "personal_data")


def _kinds(values):
    return "kind IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace_kind_check(values):
    for table, name in (("tickets", "ticket_kind"), ("routing_rules", "routing_rule_kind")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), _kinds(values))


def upgrade():
    _replace_kind_check(NEW_KINDS)
    op.create_table(
        "personal_data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_ticket_id", sa.Integer(), nullable=False),
        sa.Column("subject_ticket_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("new_name", sa.String(length=100), nullable=True),
        sa.Column("new_email", sa.String(length=254), nullable=True),
        sa.Column("new_phone", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_note", sa.String(length=2000), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('correct', 'delete')", name=op.f("ck_personal_data_requests_action_known")
        ),
        sa.CheckConstraint(
            "(decision IS NULL) = (decided_at IS NULL)",
            name=op.f("ck_personal_data_requests_decided_at_iff_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_personal_data_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_personal_data_requests_request_ticket_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_personal_data_requests_subject_ticket_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_requests")),
        sa.UniqueConstraint(
            "request_ticket_id", name=op.f("uq_personal_data_requests_request_ticket_id")
        ),
    )
    with op.batch_alter_table("personal_data_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_data_requests_subject_ticket_id"),
            ["subject_ticket_id"],
            unique=False,
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["users.id"], name=op.f("fk_legal_holds_lifted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_id"], ["users.id"], name=op.f("fk_legal_holds_placed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_legal_holds_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_holds_ticket_id"), ["ticket_id"], unique=False)


def downgrade():
    with op.batch_alter_table("personal_data_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_data_requests_subject_ticket_id"))
    op.drop_table("personal_data_requests")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_ticket_id"))
    op.drop_table("legal_holds")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    op.execute("DELETE FROM tickets WHERE kind = 'personal_data'")  # cannot be kept
    _replace_kind_check(OLD_KINDS)
