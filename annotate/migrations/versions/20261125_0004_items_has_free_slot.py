"""items.has_free_slot, a partial index of the items with a free slot, and indexes of
annotations by item and annotator, and by annotator and time

The assignment engine took the first item in id order with a free slot by walking the
project's items from the start: late in a project each claim stepped over every item already
done (at 80 % done on 100,000 items a claim cost PostgreSQL ~40 ms of CPU). Each item now says
whether its count of taken slots is below its target, and the partial index
ix_items_free_slot holds only those items, so the walk starts at the first open one.

The claim also asks of each candidate item whether the annotator already annotated it; with
no index on (item_id, annotator_id) the databases read the annotator's whole history for each
question. ix_annotations_item_id_annotator_id answers it in one probe. And the labeling
screen counts the annotator's work of today: ix_annotations_annotator_id_submitted_at (which
replaces ix_annotations_annotator_id, the same leading column) reads only today's.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 02:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

#: annotate.services.labeling.assignment's overlap bucket as of this revision.
MULTIPLIER, BUCKETS = 2654435761, 1000


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_free_slot', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    bind = op.get_bind()
    projects = sa.table('projects', sa.column('id', sa.Integer),
                        sa.column('redundancy_k', sa.Integer),
                        sa.column('overlap_share', sa.Float))
    items = sa.table('items', sa.column('id', sa.Integer), sa.column('project_id', sa.Integer),
                     sa.column('gold_answer', sa.JSON(none_as_null=True)),
                     sa.column('annotation_count', sa.Integer),
                     sa.column('has_free_slot', sa.Boolean))
    bucket = ((items.c.id * sa.literal_column(str(MULTIPLIER), sa.BigInteger))
              % sa.literal_column(str(BUCKETS), sa.Integer))
    for project_id, k, share in bind.execute(sa.select(projects)).all():
        threshold = round(share * BUCKETS)  # Python's rounding, as the application's
        target = sa.case((sa.or_(items.c.gold_answer.is_not(None), bucket < threshold), k),
                         else_=1)
        bind.execute(items.update().where(items.c.project_id == project_id)
                     .values(has_free_slot=items.c.annotation_count < target))
    op.create_index('ix_annotations_item_id_annotator_id', 'annotations',
                    ['item_id', 'annotator_id'], unique=False)
    op.create_index('ix_annotations_annotator_id_submitted_at', 'annotations',
                    ['annotator_id', 'submitted_at'], unique=False)
    op.drop_index('ix_annotations_annotator_id', table_name='annotations')
    op.create_index('ix_items_free_slot', 'items', ['project_id', 'id'], unique=False,
                    postgresql_where=sa.text('has_free_slot IS true AND quarantined IS false'),
                    sqlite_where=sa.text('has_free_slot IS 1 AND quarantined IS 0'))


def downgrade():
    op.create_index('ix_annotations_annotator_id', 'annotations', ['annotator_id'],
                    unique=False)
    op.drop_index('ix_annotations_annotator_id_submitted_at', table_name='annotations')
    op.drop_index('ix_annotations_item_id_annotator_id', table_name='annotations')
    op.drop_index('ix_items_free_slot', table_name='items',
                  postgresql_where=sa.text('has_free_slot IS true AND quarantined IS false'),
                  sqlite_where=sa.text('has_free_slot IS 1 AND quarantined IS 0'))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('has_free_slot')
