"""jobs: background work (imports, exports, dossiers), its progress, result file and error

Issue 19: long work leaves the request; a job row is what its page and the runner share.

Revision ID: jobs1
Revises: dossier2
Create Date: 2026-12-06 23:21:11.821904

"""
from alembic import op
import sqlalchemy as sa

import annotate.database


# revision identifiers, used by Alembic.
revision = 'jobs1'
down_revision = 'dossier2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False, length=32), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('result_path', sa.String(length=500), nullable=True),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('retry_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', annotate.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', annotate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', annotate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', annotate.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('seen_at', annotate.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_jobs_project_id_projects')),
    sa.ForeignKeyConstraint(['retry_of_id'], ['jobs.id'], name=op.f('fk_jobs_retry_of_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_state'), ['state'], unique=False)



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_state'))
        batch_op.drop_index(batch_op.f('ix_jobs_project_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_created_by_id'))

    op.drop_table('jobs')
