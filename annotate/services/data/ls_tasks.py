"""Label Studio tasks of the dataset export: one task per item, with its annotations' results,
provenance in ``meta`` and the consensus as a prediction (:mod:`~.form_io` writes the results:
one control per question for a project with several questions)."""

from __future__ import annotations

from typing import Any

from annotate.models import Project
from annotate.services.data import form_io
from annotate.services.data.dataset_rows import ExportRow


def label_studio_task(row: ExportRow, project: Project, models: Any = ()) -> dict[str, Any]:
    """A Label Studio task for ``row``; provenance, gold and rulebook versions in ``meta``;
    the model ``predictions`` (``models``) and the consensus as a prediction."""
    task: dict[str, Any] = {
        "id": row.item_id,
        "data": row.payload,
        "meta": {
            "external_id": row.external_id,
            "personal_info": row.personal_info,
            "batch": row.batch,
            "batch_status": row.batch_status,
            "source": row.source,
            "licence": row.licence,
            "rulebook_versions": row.rulebook_versions,
            "annotation_rulebook_versions": [a.rulebook_version for a in row.annotations],
            "consensus": row.consensus_dict(),
        },
        "annotations": [
            {
                "id": a.id,
                "completed_by": {"username": a.annotator},
                "result": form_io.results_from_value(project, a.value),
                "created_at": a.submitted_at,
                "was_cancelled": False,
                "ground_truth": False,
                "lead_time": None if a.duration_ms is None else a.duration_ms / 1000,
            }
            for a in row.annotations
        ],
        "predictions": list(models),
    }
    if row.gold is not None:
        task["meta"]["gold"] = row.gold
    if row.consensus is not None:
        task["predictions"].append(
            {
                "model_version": f"consensus-{row.consensus_method}",
                "score": row.confidence,
                "result": form_io.results_from_value(project, row.consensus),
            }
        )
    return task
