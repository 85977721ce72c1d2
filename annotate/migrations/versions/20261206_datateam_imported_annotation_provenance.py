"""annotations.imported_from, annotations.imported_at: where an imported annotation came from

Annotations imported from another tool (Label Studio) carried only ``source = 'imported'``: no
tool, file or time, and no rulebook version. The importer now records the tool and the batch's
source and the time, and stamps the rulebook version it is given. Annotations imported before
this revision get their batch's source and import time.

Revision ID: datateam1
Revises: rulebooks2
Create Date: 2026-12-06 20:05:00

"""
from alembic import op
import sqlalchemy as sa

import annotate.database

# revision identifiers, used by Alembic.
revision = 'datateam1'
down_revision = 'rulebooks2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_from', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('imported_at', annotate.database.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute(sa.text(
        "UPDATE annotations SET "
        "imported_from = (SELECT substr('Label Studio: ' || b.source, 1, 500) FROM items i "
        "JOIN batches b ON b.id = i.batch_id WHERE i.id = annotations.item_id), "
        "imported_at = (SELECT b.imported_at FROM items i "
        "JOIN batches b ON b.id = i.batch_id WHERE i.id = annotations.item_id) "
        "WHERE source = 'imported'"))


def downgrade():
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_column('imported_at')
        batch_op.drop_column('imported_from')
