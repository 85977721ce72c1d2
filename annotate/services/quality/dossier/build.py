"""Build the dossier bundle: gather the evidence for the period, render ``index.html`` in the
chosen language, write the CSVs, the stylesheet and the audit checkpoint, then SHA256SUMS and
its Ed25519 signature. Building it appends an ``export.dossier`` audit event.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import Project, ProjectRole, User
from annotate.services.audit import record_event
from annotate.services.errors import InvalidInput
from annotate.services.quality.dossier import duties, handling, rules, signing
from annotate.services.quality.dossier.period import (
    LEVELS,
    SUBJECTS,
    Period,
    cell,
    make_period,
)
from annotate.services.quality.dossier.supervision import (
    alerts_with_actions,
    explain_automatic_alerts,
)
from annotate.services.quality.dossier.tables import Table, evidence_tables
from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.review.calibration import calibration_report

LANGUAGES = ("zh", "en")
STYLESHEET = "dossier.css"


@dataclass(frozen=True)
class DossierRequest:
    """What to build: the period (dates in the project's zone), the language, who asks."""

    start: str | None = None
    end: str | None = None
    lang: str = "zh"
    options: ReportOptions | None = None


def _attempts_table(records: list[rules.AnnotatorTraining]) -> Table:
    table = Table(
        "training_attempts",
        _l("Training attempts"),
        [
            ("attempt", _l("Attempt")),
            ("annotator", _l("Annotator")),
            ("module", _l("Module")),
            ("module_version", _l("Version")),
            ("score", _l("Score")),
            ("passed", _l("Passed")),
            ("submitted_at", _l("Submitted at")),
        ],
    )
    for record in records:
        for a in record.attempts:
            table.rows.append(
                [
                    a.id,
                    record.username,
                    a.module.key,
                    a.module.version,
                    a.score,
                    a.passed,
                    a.submitted_at,
                ]
            )
    return table


def _responsible(project: Project, managers: list[User]) -> tuple[str | None, list[str]]:
    """The project's responsible person if set, and its managers."""
    return project.responsible_person or None, [u.username for u in managers]


def _context(
    session: Session, project: Project, period: Period, request: DossierRequest, actor: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    # The figures count only the annotations submitted within the period, as the tables do.
    options = replace(request.options or ReportOptions(), window=(period.start, period.end))
    report = compute_report(session, project, options)
    tables = evidence_tables(session, project, period)
    explain_automatic_alerts(tables["supervision_events"])
    used = rules.versions_used(session, project, period)
    annotators = rules.project_people(session, project, ProjectRole.annotator)
    managers = rules.project_people(session, project, ProjectRole.manager)
    training = rules.annotator_training(session, project, period, annotators)
    tables["training_attempts"] = _attempts_table(training)
    quizzes, legal = rules.training_modules(session, used, [u.id for u in annotators])
    alerts = alerts_with_actions(session, project, period)
    chain = handling.chain_state(session, project)
    responsible, manager_names = _responsible(project, managers)
    context = {
        "project": project,
        "period": period,
        "report": report,
        "tables": tables,
        "used": used,
        "quizzes": quizzes,
        "legal": legal,
        "training": training,
        "alerts": alerts,
        "calibration": calibration_report(session, project),
        "handling": handling.content_handling(session, project, period, report.data.n),
        "chain": chain,
        "duties": duties.duty_table(
            session, project, period, report, tables, [v.version for v in used], alerts
        ),
        "provider": current_app.config.get("PROVIDER_NAME"),
        "responsible": responsible,
        "managers": manager_names,
        "generated_by": actor.username if actor is not None else None,
        "generated_at": report.computed_at,
        "cell": lambda value: cell(value, period),
        "subjects": SUBJECTS,
        "levels": LEVELS,
    }
    checkpoint = {
        "head_id": chain.head_id,
        "head_hash": chain.head_hash,
        "head_at": chain.head_at.isoformat() if chain.head_at else None,
        "checked": chain.checked,
        "broken_at": chain.broken_at,
        "problem": chain.problem,
    }
    files = {f"{name}.csv": t.csv() for name, t in tables.items()}
    files["metrics.csv"] = metrics_csv(report)
    files["audit_checkpoint.json"] = json.dumps(checkpoint, indent=2, sort_keys=True) + "\n"
    return context, files


#: The printed dossier, written when the optional extra ``annotate[pdf]`` (WeasyPrint) works.
PDF = "dossier.pdf"
#: Steps :func:`build_dossier` reports: figures and audit chain, page, files (and PDF), sums.
STEPS = 4


def pdf_renderer() -> Any:
    """WeasyPrint's ``HTML`` class, or None when it is not installed or its system libraries
    (Pango) are missing: the HTML, which prints cleanly, is then the dossier."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        return None
    return HTML


def build_dossier(
    session: Session,
    project: Project,
    out_dir: Path,
    request: DossierRequest | None = None,
    *,
    actor: User | None = None,
    progress: Callable[..., None] | None = None,
) -> list[Path]:
    """Write the dossier into ``out_dir`` (created) and return the files written. Flushes.
    ``progress(step, STEPS)`` follows its steps (figures, page, files, signature).

    :raises InvalidInput: a bad period or language.
    """
    report = progress or (lambda done, total=None: None)
    report(0, STEPS)
    request = request or DossierRequest()
    if request.lang not in LANGUAGES:
        raise InvalidInput(_("The language must be one of: %(langs)s.", langs=", ".join(LANGUAGES)))
    period = make_period(project, utcnow(), request.start, request.end)
    key = signing.load_private_key(current_app.config.get("SIGNING_KEY"))
    with ExitStack() as stack:
        if not has_request_context():
            stack.enter_context(current_app.test_request_context())
        stack.enter_context(force_locale(request.lang))
        context, files = _context(session, project, period, request, actor)
        report(1, STEPS)
        context["public_key"] = signing.public_text(key.public_key()) if key else None
        pdf = pdf_renderer()
        context["files"] = sorted([*files, "index.html", STYLESHEET, *([PDF] if pdf else [])])
        files["index.html"] = render_template("dossier/report.html", **context)
    static = Path(current_app.static_folder or "") / STYLESHEET
    files[STYLESHEET] = static.read_text(encoding="utf-8")
    report(2, STEPS)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(files):
        (out_dir / name).write_bytes(files[name].encode("utf-8"))
        written.append(out_dir / name)
    if pdf is not None:  # the same page, printed with its print stylesheet
        pdf(filename=str(out_dir / "index.html"), base_url=str(out_dir)).write_pdf(out_dir / PDF)
        written.append(out_dir / PDF)
    report(3, STEPS)
    written += signing.write_sums(out_dir, [*files, *([PDF] if pdf else [])], key)
    record_event(
        session,
        "export.dossier",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={
            "files": sorted(files),
            "lang": request.lang,
            "period": [period.start.isoformat() if period.start else None, period.end.isoformat()],
            "audit_head": context["chain"].head_hash,
            "signed": key is not None,
            "sums_sha256": hashlib.sha256((out_dir / signing.SUMS).read_bytes()).hexdigest(),
        },
    )
    report(STEPS, STEPS)
    return written


def build_dossier_zip(
    session: Session,
    project: Project,
    request: DossierRequest | None = None,
    *,
    actor: User | None = None,
) -> tuple[io.BytesIO, str]:
    """Build the dossier in a temporary directory and zip it in memory (rewound, named)."""
    folder = f"{project.slug}-dossier-{utcnow().strftime('%Y%m%dT%H%M%SZ')}"
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="annotate-dossier-") as tmp:
        files = build_dossier(session, project, Path(tmp) / folder, request, actor=actor)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, f"{folder}/{path.name}")
    buffer.seek(0)
    return buffer, f"{folder}.zip"
