"""好差评: five grades; 整改 due date, 回访 record and 误评 on satisfaction ratings

The old three grades (满意, 基本满意, 不满意) keep their stored values: they are the middle
three of the national five-grade scale, with the same names, so each old rating maps to the
grade the citizen actually chose; only the allowed values widen. A downgrade maps the two new
grades to their nearest old one (非常满意 -> 满意, 非常不满意 -> 不满意).

Revision ID: 5c8e1f3a9b72
Revises: a4c81f36d2e9
Create Date: 2026-12-04 21:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5c8e1f3a9b72"
down_revision = "a4c81f36d2e9"
branch_labels = None
depends_on = None

OLD = ("satisfied", "basically_satisfied", "dissatisfied")
NEW = ("very_satisfied", *OLD, "very_dissatisfied")
# Old value -> new value (the same grade by name on both scales).
UPGRADE_MAP = {"satisfied": "satisfied", "basically_satisfied": "basically_satisfied",
               "dissatisfied": "dissatisfied"}
DOWNGRADE_MAP = {"very_satisfied": "satisfied", "very_dissatisfied": "dissatisfied"}


def _allowed(values):
    listed = ", ".join(f"'{value}'" for value in values)
    return f"rating IN ({listed})"


def _remap(mapping):
    table = sa.table("satisfaction_ratings", sa.column("rating", sa.String(32)))
    for old, new in mapping.items():
        if old != new:
            op.execute(table.update().where(table.c.rating == old).values(rating=new))


def upgrade():
    _remap(UPGRADE_MAP)
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_satisfaction_ratings_satisfaction_rating"), type_="check")
        batch_op.create_check_constraint("satisfaction_rating", _allowed(NEW))
        batch_op.add_column(sa.Column("rectification_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("follow_up_result", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("misrated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("misrated_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("misrated_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_satisfaction_ratings_misrated_by_id_users"),
            "users",
            ["misrated_by_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "misrated_has_reason", "(misrated_at IS NULL) = (misrated_reason IS NULL)"
        )


def downgrade():
    _remap(DOWNGRADE_MAP)
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_satisfaction_ratings_misrated_has_reason"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_satisfaction_ratings_misrated_by_id_users"), type_="foreignkey"
        )
        for column in ("misrated_by_id", "misrated_reason", "misrated_at", "follow_up_result",
                       "follow_up_by", "follow_up_on", "rectification_due_on"):
            batch_op.drop_column(column)
        batch_op.drop_constraint(op.f("ck_satisfaction_ratings_satisfaction_rating"), type_="check")
        batch_op.create_check_constraint("satisfaction_rating", _allowed(OLD))
