"""Quiz integrity: a quiz length per module, the seed and order of each attempt

A module's quiz may hold more questions than one attempt asks (``quiz_length``); each attempt
draws and shuffles its questions and choices from a seed, recorded on the attempt with the
resulting order so that the attempt can be shown and re-graded exactly as it was asked.
Existing attempts keep NULL (every question, stored order).

Revision ID: rulebooks1
Revises: members1
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'rulebooks1'
down_revision = 'members1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiz_length', sa.Integer(), nullable=True))
    with op.batch_alter_table('training_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seed', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('question_order', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('training_attempts', schema=None) as batch_op:
        batch_op.drop_column('question_order')
        batch_op.drop_column('seed')
    with op.batch_alter_table('training_modules', schema=None) as batch_op:
        batch_op.drop_column('quiz_length')
