"""Figures of gold provenance and attention checks in the report (issue 17 item 4).

* ``gold_items_imported`` and ``gold_items_promoted`` (scope ``project``): how many gold items
  came with the import and how many a manager promoted from agreeing annotations — gold
  accuracy over promoted gold is partly the promoters' own agreement, so it is counted apart;
* ``gold_accuracy_promoted`` (scopes ``project`` and ``annotator``): gold accuracy on promoted
  gold over the independent annotations only (:mod:`.promoted_gold`), with a Wilson interval.
* ``attention_accuracy`` (scope ``annotator``): the share of the annotator's attention checks
  answered with the expected answer, with a Wilson interval; over every check they answered
  (the gate judges only those since their last unblock). Attention checks count in no other
  figure.
"""

from __future__ import annotations

from typing import Any

from annotate.database import Session
from annotate.metrics import wilson_interval
from annotate.services.labeling.attention import scores
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.gold import gold_counts
from annotate.services.quality.promoted_gold import METRIC as PROMOTED
from annotate.services.quality.promoted_gold import WHAT as PROMOTED_WHAT
from annotate.services.quality.promoted_gold import independent_counts

ATTENTION_ACCURACY = "attention_accuracy"
GOLD_IMPORTED, GOLD_PROMOTED = "gold_items_imported", "gold_items_promoted"
_COUNT = "count: no interval (not an estimate)"
_WILSON = "attention checks answered as expected / answered; Wilson 95% interval"


def add_check_figures(session: Session, report: ProjectReport[Any]) -> None:
    """Append the gold provenance counts and every annotator's attention accuracy."""
    project = report.project
    counts = gold_counts(session, project)
    for metric, key in ((GOLD_IMPORTED, "imported"), (GOLD_PROMOTED, "promoted")):
        report.figures.append(
            Figure(
                "project",
                project.slug,
                metric,
                float(counts[key]),
                None,
                None,
                counts[key],
                0,
                0,
                "",
                "count",
                _COUNT,
            )  # fmt: skip
        )
    users = report.data.users if hasattr(report.data, "users") else {}
    if counts["promoted"]:
        _promoted_accuracy(session, report, users)
    for user_id, score in sorted(scores(session, project.id).items()):
        interval = wilson_interval(score.passed, score.checks)
        low, high = interval if interval is not None else (None, None)
        report.figures.append(
            Figure(
                "annotator",
                str(users.get(user_id, user_id)),
                ATTENTION_ACCURACY,
                score.rate,
                low,
                high,
                score.checks,
                score.checks,
                1,
                "",
                "nominal",
                _WILSON,
            )  # fmt: skip
        )


def _promoted_accuracy(session: Session, report: ProjectReport[Any], users: dict[int, str]) -> None:
    """Append ``gold_accuracy_promoted`` for the project and each annotator with any."""
    found = independent_counts(session, report.project)
    how = f"{PROMOTED_WHAT}; Wilson 95% interval"
    rows = [(report.project.slug, *found.total(), len(found.items), len(found.by_annotator))]
    rows += [(str(users.get(a, a)), r, n, 0, 1) for a, (r, n) in found.by_annotator.items()]
    for n_row, (scope_id, right, total, items, who) in enumerate(rows):
        interval = wilson_interval(right, total)
        low, high = interval if interval is not None else (None, None)
        report.figures.append(
            Figure(
                "project" if n_row == 0 else "annotator",
                scope_id,
                PROMOTED,
                right / total if total else None,
                low,
                high,
                items if n_row == 0 else total,
                total,
                who,
                "",
                "nominal",
                how
                if total
                else "undefined: no annotation on promoted gold made after the "
                "promotion by an annotator outside the promoting set",
            )  # fmt: skip
        )
