"""The database ``bench/http_loop.py`` and ``bench/claim_order.py`` measure: a single-label
project with items imported through the import service (5 % gold), a published rulebook, a
legal-awareness module and annotators, each with a membership, a qualification, a passed
legal attempt and an API token. The callers put the repository root on ``sys.path``."""

from __future__ import annotations

import io
import json
from datetime import timedelta

SLUG = "bench"
PASSWORD = "bench-password-1"
SECRET = "bench-secret-key-" + "x" * 32


RULEBOOK = """---
id: bench
title: Bench
version: 1.0.0
kind: functional
task_type: single_label
labels: [pos, neg]
change_note: first
---
## Goal
g
## Data format
d
## Method
m
## Quality indicators
q
## Clauses
### R1.1 First rule
Text of the rule.

**Example:** something → `pos`

**Counter-example:** other → not `pos`
"""


def build(url: str, n_items: int, n_users: int, done: float = 0.0) -> list[tuple[str, str]]:
    """Create the schema and data in ``url``; return (username, API token) per annotator.

    ``done``: the share of items (the first, in id order) whose every slot is already taken,
    as late in a project, where each claim has to get past them."""
    from annotate import create_app
    from annotate.config import Config
    from annotate.database import db, utcnow
    from annotate.models import (
        ModuleKind,
        ProjectRole,
        Qualification,
        TrainingAttempt,
        TrainingModule,
    )
    from annotate.services.accounts.tokens import create_token
    from annotate.services.accounts.users import add_membership, create_user
    from annotate.services.data.formats import iter_records
    from annotate.services.data.imports import import_records
    from annotate.services.projects.projects import create_project
    from annotate.services.rulebooks.parsing import parse_rulebook
    from annotate.services.rulebooks.versions import import_rulebook, publish_version

    app = create_app({"CONFIG_CLASS": Config, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        db.drop_all()
        db.create_all()
        project = create_project(db.session, SLUG, "Bench", "single_label", labels=["pos", "neg"])
        lines = io.BytesIO(
            b"".join(
                json.dumps(
                    {
                        "id": f"item-{n:07d}",
                        "text": f"text of item {n}",
                        **({"gold": "pos"} if n % 20 == 0 else {}),
                    }
                ).encode()
                + b"\n"
                for n in range(n_items)
            )
        )
        problems: list[str] = []
        import_records(
            db.session,
            project,
            iter_records(lines, "jsonl", problems),
            batch_name="b1",
            parse_problems=problems,
        )
        version = publish_version(
            db.session, import_rulebook(db.session, project, parse_rulebook(RULEBOOK))
        )
        legal = TrainingModule(
            key="legal-awareness",
            version="1.0.0",
            kind=ModuleKind.legal,
            title="Legal",
            validity_days=365,
        )
        db.session.add(legal)
        db.session.flush()
        tokens = []
        for n in range(n_users):
            user = create_user(db.session, f"ann{n}", PASSWORD)
            add_membership(db.session, user, project, ProjectRole.annotator)
            db.session.add(
                Qualification(
                    user_id=user.id,
                    project_id=project.id,
                    rulebook_version_id=version.id,
                    expires_at=utcnow() + timedelta(days=30),
                )
            )
            db.session.add(
                TrainingAttempt(user_id=user.id, module_id=legal.id, score=1.0, passed=True)
            )
            tokens.append((user.username, create_token(db.session, user, "bench")[1]))
        if done > 0:
            fill_items(db.session, project, int(n_items * done))
        db.session.commit()
        # Fresh planner statistics, as autovacuum (PostgreSQL) would soon gather after an
        # import this size; without them PostgreSQL sorts every item on each claim.
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        db.engine.dispose()
    return tokens


def fill_items(session, project, n: int) -> None:
    """Take every slot of the project's first ``n`` items (no annotations behind them: the
    claim only looks at the slots)."""
    import sqlalchemy as sa

    from annotate.models import Item
    from annotate.services.labeling.assignment import target_expr

    first = sa.select(Item.id).where(Item.project_id == project.id).order_by(Item.id).limit(n)
    session.execute(
        sa.update(Item)
        .where(Item.id.in_(first.scalar_subquery()))
        .values(annotation_count=target_expr(project), has_free_slot=False)
        .execution_options(synchronize_session=False)
    )
