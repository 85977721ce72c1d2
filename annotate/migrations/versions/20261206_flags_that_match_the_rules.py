"""Flags that match the rules: item_flags.assignment_id, resolution, resolved_by_id;
batches.review_all; projects.export_personal_info

A personal-information flag no longer closes the annotator's lease: the flag keeps the lease
it was set under (assignment_id) and the annotator labels the item. A prohibited-content flag
waits for a reviewer, who confirms or releases it once (resolution, resolved_by_id; the
UPDATE that sets it matches only an open flag). In a security project it puts the batch under
100 % review (batches.review_all). Exports mask the content of personal-information items
unless the manager opts in (projects.export_personal_info).

Revision ID: flags1
Revises: msgs1
Create Date: 2026-12-06 23:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'flags1'
down_revision = 'msgs1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('item_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_item_flags_assignment_id_assignments'),
                                    'assignments', ['assignment_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_item_flags_resolved_by_id_users'),
                                    'users', ['resolved_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_item_flags_resolution'),
            "resolution IS NULL OR resolution IN ('confirmed', 'released')")
    # Flags resolved before this revision (a manager lifted the quarantine) were releases.
    op.execute("UPDATE item_flags SET resolution = 'released' WHERE resolved_at IS NOT NULL")
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_all', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('export_personal_info', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('export_personal_info')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('review_all')
    with op.batch_alter_table('item_flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_item_flags_resolution'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_item_flags_resolved_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_item_flags_assignment_id_assignments'),
                                 type_='foreignkey')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('resolution')
        batch_op.drop_column('assignment_id')
