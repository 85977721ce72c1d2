"""count of items served per membership

The assignment engine mixes gold items in by the annotator's count of items served; it was
counted over all their assignments on every claim (slower as their history grows). The count
is now kept on the membership and starts from the items the queue has already handed out
(first-round assignments; re-annotation rounds are not handed out by the queue).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:30:15.458995

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('served', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE memberships SET served = ("
        " SELECT count(assignments.id) FROM assignments"
        " JOIN items ON items.id = assignments.item_id"
        " WHERE assignments.annotator_id = memberships.user_id"
        " AND items.project_id = memberships.project_id AND assignments.round = 1)"
        " WHERE memberships.role = 'annotator'")


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('served')
