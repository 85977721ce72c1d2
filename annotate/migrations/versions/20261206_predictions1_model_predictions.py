"""model_versions, predictions; items.prediction_score; annotations.with_suggestions;
projects.show_predictions and order_by_uncertainty

Model pre-annotations (Label Studio ``predictions``, a ``prediction`` object in JSONL/CSV, or
a file of predictions for existing items) are kept per model version (name + version) and
item, with their value and score. A project may show them to annotators as a pre-filled
suggestion (off by default); since suggestions bias people, every annotation made while
they were shown records it. A project may also hand out the most uncertain items first
(lowest score): ``items.prediction_score`` holds the score of the item's latest scored
prediction and ``ix_items_free_slot_score`` the open items in that order; ``items.suggestion``
the latest prediction itself, so the labeling screen needs no query of its own.

Revision ID: predictions1
Revises: flags1
Create Date: 2026-12-06 23:20:00

"""
from alembic import op
import sqlalchemy as sa

import annotate.database

# revision identifiers, used by Alembic.
revision = 'predictions1'
down_revision = 'flags1'
branch_labels = None
depends_on = None

_PG_WHERE = sa.text('has_free_slot IS true AND quarantined IS false')
_SQLITE_WHERE = sa.text('has_free_slot IS 1 AND quarantined IS 0')


def upgrade():
    op.create_table(
        'model_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.String(length=100), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', annotate.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'],
                                name=op.f('fk_model_versions_imported_by_id_users')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_model_versions_project_id_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_model_versions')),
        sa.UniqueConstraint('project_id', 'name', 'version',
                            name=op.f('uq_model_versions_project_id_name_version')),
    )
    op.create_table(
        'predictions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('model_version_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('score', sa.Double(), nullable=True),
        sa.Column('created_at', annotate.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'],
                                name=op.f('fk_predictions_item_id_items')),
        sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'],
                                name=op.f('fk_predictions_model_version_id_model_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_predictions')),
        sa.UniqueConstraint('item_id', 'model_version_id',
                            name=op.f('uq_predictions_item_id_model_version_id')),
    )
    op.create_index('ix_predictions_model_version_id', 'predictions', ['model_version_id'],
                    unique=False)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prediction_score', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('suggestion', sa.JSON(none_as_null=True), nullable=True))
    op.create_index('ix_items_free_slot_score', 'items', ['project_id', 'prediction_score', 'id'],
                    unique=False, postgresql_where=_PG_WHERE, sqlite_where=_SQLITE_WHERE)
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('with_suggestions', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_predictions', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('order_by_uncertainty', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('order_by_uncertainty')
        batch_op.drop_column('show_predictions')
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_column('with_suggestions')
    op.drop_index('ix_items_free_slot_score', table_name='items',
                  postgresql_where=_PG_WHERE, sqlite_where=_SQLITE_WHERE)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('suggestion')
        batch_op.drop_column('prediction_score')
    op.drop_index('ix_predictions_model_version_id', table_name='predictions')
    op.drop_table('predictions')
    op.drop_table('model_versions')
