"""projects.responsible_person: who answers for the project (shown on the dossier's first page)

Art. 8 of the Interim Measures for generative AI services makes the provider answer for its
annotation work; the compliance dossier names the person responsible for the project so an
inspector knows whom to ask. NULL means not set (the dossier states it as a gap).

Revision ID: dossier2
Revises: datateam1
Create Date: 2026-12-06 21:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'dossier2'
down_revision = 'datateam1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_person', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('responsible_person')
