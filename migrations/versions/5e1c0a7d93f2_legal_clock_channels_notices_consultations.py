"""Legal clock: post / in-person channels, State Council notices, consultations (arts. 31-34)

Revision ID: 5e1c0a7d93f2
Revises: 7b3e2c9a1d04
Create Date: 2026-12-04 21:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e1c0a7d93f2"
down_revision = "7b3e2c9a1d04"
branch_labels = None
depends_on = None

OLD_CHANNELS = ("web", "email")
NEW_CHANNELS = ("web", "email", "post", "in_person")


def _channels(values):
    return ", ".join(f"'{value}'" for value in values)


def _set_channels(values):
    for table, name in (("tickets", "ticket_channel"), ("messages", "message_channel")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
            batch_op.create_check_constraint(
                batch_op.f(f"ck_{table}_{name}"), f"channel IN ({_channels(values)})"
            )


def upgrade():
    _set_channels(NEW_CHANNELS)
    op.create_table(
        "calendar_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_calendar_notices_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_notices")),
        sa.UniqueConstraint("year", name=op.f("uq_calendar_notices_year")),
    )
    op.create_table(
        "calendar_notice_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["calendar_notices.id"],
            name=op.f("fk_calendar_notice_days_notice_id_calendar_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_notice_days")),
        sa.UniqueConstraint("day", name=op.f("uq_calendar_notice_days_day")),
    )
    with op.batch_alter_table("calendar_notice_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_notice_days_notice_id"), ["notice_id"], unique=False
        )
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "third_party",
                "agency",
                name="consultation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "answered",
                "no_answer",
                "deemed_agreed",
                "withdrawn",
                name="consultation_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("is_clock_paused", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'agency') = (department_id IS NOT NULL)",
            name=op.f("ck_consultations_department_iff_agency"),
        ),
        sa.CheckConstraint(
            "(state = 'open') = (closed_at IS NULL)",
            name=op.f("ck_consultations_closed_iff_not_open"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_consultations_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_consultations_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_consultations_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_consultations_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultations_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consultations_ticket_id"), ["ticket_id"], unique=False)


def downgrade():
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_consultations_department_id"))
    op.drop_table("consultations")
    with op.batch_alter_table("calendar_notice_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_notice_days_notice_id"))
    op.drop_table("calendar_notice_days")
    op.drop_table("calendar_notices")
    op.execute("UPDATE messages SET channel = 'web' WHERE channel IN ('post', 'in_person')")
    op.execute("UPDATE tickets SET channel = 'web' WHERE channel IN ('post', 'in_person')")
    _set_channels(OLD_CHANNELS)
