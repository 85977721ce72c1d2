"""users.can_create_projects: the global "project creator" permission (issue 14)

A user with it may create projects in the browser or the CLI without being an admin; the
creator becomes the new project's manager. Existing accounts do not have it.

Revision ID: setup1
Revises: 0006
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'setup1'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('can_create_projects', sa.Boolean(), server_default=sa.false(),
                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('can_create_projects')
