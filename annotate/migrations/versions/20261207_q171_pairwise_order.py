"""annotations.swapped: the order the labeling screen showed a pairwise item's responses

The screen now shows the two responses of a pairwise item in a seeded random order per
assignment (annotate.services.labeling.order) and stores the answer in the item's own
orientation; ``swapped`` records whether ``response_b`` was shown first, so the position-bias
rate counts the position shown. Web annotations of pairwise projects made before this
revision were all shown A first: they get ``false``. Others (API, imports, other task types)
stay NULL: no order recorded.

Revision ID: q171
Revises: snap191
Create Date: 2026-12-07 02:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'q171'
down_revision = 'snap191'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('swapped', sa.Boolean(), nullable=True))
    op.execute(
        "UPDATE annotations SET swapped = false WHERE source = 'web' AND item_id IN "
        "(SELECT items.id FROM items JOIN projects ON projects.id = items.project_id "
        "WHERE projects.task_type = 'pairwise')"
    )


def downgrade():
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_column('swapped')
