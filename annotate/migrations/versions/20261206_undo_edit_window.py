"""projects.edit_window_minutes: how long an annotator may still change a submission

Issue 18 (undo and history): an annotator may reopen their own annotation for editing while
it has not been drawn for review and this window (minutes after the submission) has not
closed. 0 turns editing off; existing projects get the default, 30 minutes.

Revision ID: undo1
Revises: jobs1
Create Date: 2026-12-06 23:15:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'undo1'
down_revision = 'jobs1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('edit_window_minutes', sa.Integer(), server_default='30', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('edit_window_minutes')
