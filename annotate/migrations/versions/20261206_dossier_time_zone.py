"""projects.time_zone: the IANA zone the dossier shows times in (NULL: Asia/Shanghai)

The compliance dossier shows every time in the project's time zone with its UTC offset, so an
inspector reads local times. NULL keeps the default (Asia/Shanghai); the settings page sets it.

Revision ID: dossier1
Revises: audit1
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'dossier1'
down_revision = 'audit1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
