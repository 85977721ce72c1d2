"""The demo's model: a keyword sentiment classifier whose predictions are imported for the
demo project, so the quality report shows scope ``model`` (agreement with the annotators,
gold accuracy) and the settings can show them as suggestions or order the queue by them."""

from __future__ import annotations

import random

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Item, Project, User
from annotate.services.data.formats import Record
from annotate.services.data.prediction_import import import_predictions

MODEL, VERSION = "keyword-sentiment", "1.0"
_GOOD = ("works", "early", "solid", "best", "quiet", "lasts", "better", "Recommended", "happy")
_BAD = ("stopped", "cracked", "smells", "smaller", "stick", "without", "loud", "Avoid")


def _guess(text: str) -> tuple[str, float]:
    good = any(word in text for word in _GOOD)
    bad = any(word in text for word in _BAD)
    if good and bad:
        return ("mixed", 0.55) if ", but it" in text else ("negative", 0.5)
    if good:
        return "positive", 0.9
    if bad:
        return "negative", 0.85
    return "neutral", 0.7


def seed_predictions(session: Session, project: Project, actor: User, seed: int) -> int:
    """Import the demo model's prediction for every item of ``project`` (a few wrong on
    purpose, with lower scores); return how many. Flushes."""
    rng = random.Random(seed)
    records = []
    rows = session.execute(
        sa.select(Item.external_id, Item.payload)
        .where(Item.project_id == project.id)
        .order_by(Item.id)
    )
    labels = [label["key"] for label in project.labels]
    for n, (external_id, payload) in enumerate(rows, start=1):
        value, score = _guess(str(payload.get("text", "")))
        if rng.random() < 0.1:  # the model's mistakes, less sure of themselves
            value = rng.choice([k for k in labels if k != value])
            score = 0.35
        score = round(min(0.99, max(0.01, score + rng.uniform(-0.1, 0.1))), 2)
        records.append(Record(f"line {n}", {"id": external_id, "value": value, "score": score}))
    result = import_predictions(
        session,
        project,
        records,
        source="demo generator (keyword model)",
        actor=actor,
        model=MODEL,
        version=VERSION,
    )
    return result.imported
