"""users.must_change_password

An administrator could not reset a forgotten password. A reset (web or ``annotate user
reset-password``) and a bulk import now issue a temporary password and set this flag: until
the user has chosen a new password, every page sends them to the change-password page.

Revision ID: members1
Revises: setup1
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'members1'
down_revision = 'setup1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
