"""users.session_epoch and rate_limit_counters

Sessions could not be revoked: a copied session or remember-me cookie kept working after
logout and after a password change. Each user now has a session generation that is part of
the id Flask-Login stores in the session and in the remember cookie; raising it ends them all.

rate_limit_counters holds the login throttle's counters when no Redis is configured, so every
gunicorn worker sees the same counts (they were per process).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters')))


def downgrade():
    op.drop_table('rate_limit_counters')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
