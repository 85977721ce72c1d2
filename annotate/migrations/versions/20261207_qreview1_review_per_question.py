"""Review verdicts per question for form projects, and review limited to some questions

``review_answers`` holds a form project's review question by question (the verdict on each
answer and the corrected answer); ``projects.review_questions`` lists the questions under
review with the share of sampled annotations in which each is judged; and
``sampled_annotations.questions`` the questions drawn for one sampled annotation.
One-question projects keep every column NULL and write no ``review_answers``.

Revision ID: qreview1
Revises: privacy2
Create Date: 2026-12-07 02:40:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "qreview1"
down_revision = "privacy2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "correct", "incorrect", "prohibited", name="verdict", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("corrected_value", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_answers_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_answers")),
        sa.UniqueConstraint(
            "review_id", "question", name=op.f("uq_review_answers_review_id_question")
        ),
    )
    with op.batch_alter_table("review_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_answers_review_id"), ["review_id"], unique=False
        )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_questions", sa.JSON(), nullable=True))
    with op.batch_alter_table("sampled_annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questions", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("sampled_annotations", schema=None) as batch_op:
        batch_op.drop_column("questions")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("review_questions")
    with op.batch_alter_table("review_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_answers_review_id"))
    op.drop_table("review_answers")
