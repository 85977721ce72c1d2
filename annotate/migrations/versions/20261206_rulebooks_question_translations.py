"""quiz_questions.translations: a quiz question in the other language

A question is written in one language and may carry the other one (Chinese or English):
``{"zh"|"en": {"prompt", "choices", "explanation"}}``, choices in the order of ``choices``;
a page in that language shows it. NULL: the question exists in one language only.

Revision ID: rulebooks2
Revises: dossier1
Create Date: 2026-12-06 20:50:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'rulebooks2'
down_revision = 'dossier1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.drop_column('translations')
