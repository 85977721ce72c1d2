"""users.erased_at and projects.erase_free_text: erasing an annotator's personal data

PIPL and Art. 11 of the Interim Measures give people the right to have their personal
information deleted. ``users.erased_at`` marks an account whose name was replaced by a
pseudonym; ``projects.erase_free_text`` says whether the free text the person wrote in the
project (review comments, flag notes, ...) goes with it (on by default).

Revision ID: privacy1
Revises: zhcontent1
Create Date: 2026-12-06 23:20:00

"""
from alembic import op
import sqlalchemy as sa

import annotate.database

# revision identifiers, used by Alembic.
revision = 'privacy1'
down_revision = 'zhcontent1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('erased_at', annotate.database.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'erase_free_text', sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('erase_free_text')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
