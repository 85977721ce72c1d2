"""Gold that grows and attention checks (issue 17 item 4)

items: where the gold answer came from (imported / promoted, by whom, when) and the expected
answer of an attention check. memberships: the attention block and the start of the checks
that count. projects: the candidate thresholds and the attention settings. Existing gold was
imported with its items.

Revision ID: gold1
Revises: undo1
Create Date: 2026-12-06 23:20:00

"""
from alembic import op
import sqlalchemy as sa

import annotate.database

# revision identifiers, used by Alembic.
revision = 'gold1'
down_revision = 'undo1'
branch_labels = None
depends_on = None

_SOURCE = sa.Enum('imported', 'promoted', name='goldsource', native_enum=False, length=32)


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gold_source', _SOURCE, nullable=True))
        batch_op.add_column(sa.Column('gold_promoted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('gold_promoted_at', annotate.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('attention_answer', sa.JSON(none_as_null=True),
                                      nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_items_gold_promoted_by_id_users'), 'users',
            ['gold_promoted_by_id'], ['id'])
    op.execute("UPDATE items SET gold_source = 'imported' WHERE gold_answer IS NOT NULL")
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('attention_blocked_at', annotate.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('attention_blocked_reason', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('attention_since', annotate.database.UTCDateTime(), nullable=True))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gold_candidate_min_k', sa.Integer(), server_default='3',
                                      nullable=False))
        batch_op.add_column(sa.Column('gold_candidate_min_posterior', sa.Double(),
                                      server_default='0.99', nullable=False))
        batch_op.add_column(sa.Column('attention_rate', sa.Double(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('attention_min_checks', sa.Integer(), server_default='5',
                                      nullable=False))
        batch_op.add_column(sa.Column('attention_warn_below', sa.Double(), server_default='0.9',
                                      nullable=False))
        batch_op.add_column(sa.Column('attention_block_below', sa.Double(), server_default='0.7',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for name in ('attention_block_below', 'attention_warn_below', 'attention_min_checks',
                     'attention_rate', 'gold_candidate_min_posterior', 'gold_candidate_min_k'):
            batch_op.drop_column(name)
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        for name in ('attention_since', 'attention_blocked_reason', 'attention_blocked_at'):
            batch_op.drop_column(name)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_items_gold_promoted_by_id_users'),
                                 type_='foreignkey')
        for name in ('attention_answer', 'gold_promoted_at', 'gold_promoted_by_id',
                     'gold_source'):
            batch_op.drop_column(name)
