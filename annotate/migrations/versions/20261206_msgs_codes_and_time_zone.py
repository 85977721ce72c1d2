"""Messages as codes with parameters; a time zone per user

Supervision alerts and the feedback rows written for reviews and supervision actions were
stored as English sentences, which a Chinese page then showed inside Chinese text. They now
carry a ``code`` and JSON ``params`` rendered per request in the reader's language (the old
text stays as the fallback). Rows written before are recognised where their English text has
a known shape and get their code and parameters here.

``users.time_zone``: the IANA zone a user reads times in (NULL: the project's zone, else
``ANNOTATE_TIMEZONE``, else Asia/Shanghai).

Revision ID: msgs1
Revises: gold1
Create Date: 2026-12-06 23:20:00

"""
import re

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'msgs1'
down_revision = 'gold1'
branch_labels = None
depends_on = None

_METRICS = {
    "gold accuracy": "gold_accuracy",
    "review accuracy": "review_accuracy",
    "agreement with peers (mean Cohen's kappa)": "cohen_kappa",
}
_ALERT = re.compile(
    r"^(?P<what>.+) (?P<value>-?[0-9.]+) is below the threshold (?P<threshold>-?[0-9.]+) "
    r"\(n = (?P<n>[0-9]+)\)$"
)
_ACTIONS = (
    ("supervision.retrain", re.compile(
        r"^Please retake the training for (?P<project>.*) before annotating again\. "
        r"Reason: (?P<reason>.*)$", re.S)),
    ("supervision.suspend", re.compile(
        r"^Your annotation work in (?P<project>.*) is suspended\. Reason: (?P<reason>.*)$", re.S)),
    ("supervision.reinstate", re.compile(
        r"^You may annotate in (?P<project>.*) again\. Note: (?P<reason>.*)$", re.S)),
)
_VERDICT = re.compile(
    r"^Verdict: (?P<verdict>correct|incorrect|prohibited)\.(?: Clause (?P<clause>\S+)\.)?"
    r"(?: (?P<comment>.*))?$", re.S)


def alert_code(row):
    """(code, params) of an alert whose reason is the English the thresholds wrote, or None.
    The figures are the row's own (the text holds them rounded)."""
    found = _ALERT.match(row["reason"] or "")
    if found is None or _METRICS.get(found["what"], found["what"]) != row["metric"]:
        return None
    values = {"value": row["value"], "threshold": row["threshold"], "n": row["n"]}
    if any(v is None for v in values.values()):
        values = {"value": float(found["value"]), "threshold": float(found["threshold"]),
                  "n": int(found["n"])}
    return "supervision.alert", {"metric": row["metric"], **values}


def feedback_code(message):
    """(code, params) of an English feedback message, or None."""
    for code, pattern in _ACTIONS:
        found = pattern.match(message or "")
        if found is not None:
            return code, {"project": found["project"], "reason": found["reason"]}
    found = _VERDICT.match(message or "")
    if found is not None:
        params = {"verdict": found["verdict"]}
        if found["comment"]:
            params["comment"] = found["comment"]
        if found["clause"]:
            return "review.verdict_clause", dict(params, clause=found["clause"])
        return "review.verdict", params
    return None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('supervision_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
    connection = op.get_bind()
    events, feedback = (
        sa.table(name, sa.column('id', sa.Integer), sa.column('code', sa.String),
                 sa.column('params', sa.JSON))
        for name in ('supervision_events', 'feedback')
    )
    for row in connection.execute(sa.text(
        "SELECT id, reason, metric, value, threshold, n FROM supervision_events "
        "WHERE action = 'alert'"
    )).mappings():
        found = alert_code(row)
        if found is not None:
            connection.execute(events.update().where(events.c.id == row["id"])
                               .values(code=found[0], params=found[1]))
    for row in connection.execute(sa.text("SELECT id, message FROM feedback")).mappings():
        found = feedback_code(row["message"])
        if found is not None:
            connection.execute(feedback.update().where(feedback.c.id == row["id"])
                               .values(code=found[0], params=found[1]))


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('code')
    with op.batch_alter_table('supervision_events', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('code')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
