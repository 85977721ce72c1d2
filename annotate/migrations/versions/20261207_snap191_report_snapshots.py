"""report_snapshots, schedule_runs, one queued snapshot job per project

Issue 19: the pages read a stored report computed by a job instead of recomputing the whole
project per request; scheduled work (supervision, qualification expiry, snapshot refresh)
runs once per time slot, whoever fires it.

Revision ID: snap191
Revises: qreview1
Create Date: 2026-12-07 02:40:00

"""
from alembic import op
import sqlalchemy as sa

import annotate.database


# revision identifiers, used by Alembic.
revision = 'snap191'
down_revision = 'qreview1'
branch_labels = None
depends_on = None

QUEUED_SNAPSHOT = sa.text("kind = 'snapshot' AND state = 'queued'")


def upgrade():
    op.create_table('report_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('created_at', annotate.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data_version', sa.JSON(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_report_snapshots_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshots'))
    )
    op.create_index('ix_report_snapshots_project_id_id', 'report_snapshots', ['project_id', 'id'], unique=False)
    op.create_table('schedule_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=32), nullable=False),
    sa.Column('slot', sa.BigInteger(), nullable=False),
    sa.Column('started_at', annotate.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_runs')),
    sa.UniqueConstraint('task', 'slot', name=op.f('uq_schedule_runs_task_slot'))
    )
    op.create_index(
        'uq_jobs_queued_snapshot',
        'jobs',
        ['project_id'],
        unique=True,
        sqlite_where=QUEUED_SNAPSHOT,
        postgresql_where=QUEUED_SNAPSHOT,
    )


def downgrade():
    op.drop_index('uq_jobs_queued_snapshot', table_name='jobs')
    op.drop_table('schedule_runs')
    op.drop_index('ix_report_snapshots_project_id_id', table_name='report_snapshots')
    op.drop_table('report_snapshots')
