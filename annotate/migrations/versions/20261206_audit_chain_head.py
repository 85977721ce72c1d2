"""audit_head: the audit chain's head row, updated with every append

Appending an audit event now updates this one row and inserts the event in a single
statement (the labeling loop's submissions are events and must stay cheap); the row lock
orders concurrent appends on PostgreSQL. The row is seeded from the newest existing event
(the genesis hash when there is none). Existing events keep their hashes (the first form,
which covered the actor's username); events appended from now on cover the actor's id
only, so a username can later be erased without breaking the chain.

Revision ID: audit1
Revises: rulebooks1
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'audit1'
down_revision = 'rulebooks1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')),
    )
    op.execute(sa.text(
        "INSERT INTO audit_head (id, prev_hash, hash) SELECT 1, "
        "COALESCE((SELECT prev_hash FROM audit_events ORDER BY id DESC LIMIT 1), :zero), "
        "COALESCE((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), :zero)"
    ).bindparams(zero='0' * 64))


def downgrade():
    op.drop_table('audit_head')
