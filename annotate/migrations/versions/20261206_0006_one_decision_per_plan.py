"""batch_decisions: one decision per sample plan (uq_batch_decisions_plan_id)

Concurrent decisions on one plan were all recorded (issue 13: 8 decisions for one plan from
12 concurrent posts). decide_batch now locks the batch row, and this constraint refuses a
second row whatever the code path. A database that met the race may already hold several
decisions for one plan: the first (lowest id, the one the pages showed) is kept, later ones
are deleted before the constraint is added. The audit chain still records every one of them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text(
        "DELETE FROM batch_decisions WHERE id NOT IN "
        "(SELECT min_id FROM (SELECT MIN(id) AS min_id FROM batch_decisions "
        "GROUP BY plan_id) AS firsts)"))
    with op.batch_alter_table('batch_decisions', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_batch_decisions_plan_id', ['plan_id'])


def downgrade():
    with op.batch_alter_table('batch_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_batch_decisions_plan_id', type_='unique')
