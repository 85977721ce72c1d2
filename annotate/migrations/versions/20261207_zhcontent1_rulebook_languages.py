"""rulebook_versions / training_modules: language and translations

A rulebook version (and the legal-awareness module) is written in one language, its
``language`` (``zh`` or ``en``; the rows written before this were English), and may carry
translations of the same version number, published with it:
``{"en"|"zh": {"title", "body", "change_note", "sha256"}}``. The clauses, labels and
decisions are the primary text's; a translation has the same clause keys and decisions
(checked when imported and published). NULL: the version exists in one language only.

Revision ID: zhcontent1
Revises: predictions1
Create Date: 2026-12-07 00:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'zhcontent1'
down_revision = 'predictions1'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('rulebook_versions', 'training_modules'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('language', sa.String(length=16), server_default='en', nullable=False)
            )
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    for table in ('training_modules', 'rulebook_versions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
            batch_op.drop_column('language')
