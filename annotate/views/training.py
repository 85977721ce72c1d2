"""Annotator training: what is required and its status, reading, the quiz, the result with
explanations, and the signed acknowledgement of a minor revision."""

from __future__ import annotations

import secrets
from functools import lru_cache

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from annotate.auth import require_role
from annotate.database import db, utcnow
from annotate.forms.common import required_text
from annotate.forms.training import AcknowledgeForm, QuizFormBase, field_name, quiz_form_class
from annotate.markdown import clause_anchor, render_markdown
from annotate.models import (
    Acknowledgement,
    Membership,
    Project,
    ProjectRole,
    QuizQuestion,
    RulebookVersion,
    TrainingAttempt,
    TrainingModule,
)
from annotate.services.errors import DomainError
from annotate.services.rulebooks.diff import diff_versions
from annotate.services.rulebooks.versions import current_version
from annotate.services.training.attempts import attempt_status, submit_attempt
from annotate.services.training.draw import DrawnQuestion, draw, new_seed, unshuffled
from annotate.services.training.gate import gate_status
from annotate.services.training.modules import (
    legal_modules,
    module_clauses,
    module_for_version,
    module_text,
    project_of,
)
from annotate.services.training.qualification import (
    acknowledge_version,
    active_qualification,
    record_expiries,
)
from annotate.services.training.wording import Wording, localized
from annotate.views.reading import localized_title, reader_language, version_reading

bp = Blueprint("training", __name__, url_prefix="/annotate/training")
bp.before_request(require_role(ProjectRole.annotator, "admin"))
bp.add_app_template_global(localized_title, "localized_title")
bp.add_app_template_global(version_reading, "version_reading")


@bp.app_template_filter("markdown")
@lru_cache(maxsize=32)
def markdown_filter(text: str):
    """Jinja filter: sanitised HTML of rulebook Markdown; cached by text, since the output
    depends on the text alone and the same rulebook (in each language) is read again and
    again (rendering a 30 kB rulebook takes 40–55 ms)."""
    return render_markdown(text or "")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="annotate.quiz")


def _annotator_projects() -> list[Project]:
    return list(
        db.session.scalars(
            sa.select(Project)
            .join(Membership)
            .where(
                Membership.user_id == current_user.id,
                Membership.role == ProjectRole.annotator,
                Project.archived.is_(False),
            )
            .order_by(Project.name)
        )
    )


def _check_module_access(module: TrainingModule) -> Project | None:
    project = project_of(module)
    if (
        project is not None
        and not current_user.is_admin
        and project.id not in {p.id for p in _annotator_projects()}
    ):
        abort(403)
    return project


def _refused(error: DomainError, back: str):
    db.session.rollback()
    problems = getattr(error, "problems", [])
    message = str(error).split("\n")[0] if problems else str(error)
    return render_template(
        "training/refused.html", message=message, problems=problems, back=back
    ), error.status_code


@bp.route("/")
def index():
    """Every requirement (legal module, each project's quiz or acknowledgement) with status."""
    if record_expiries(db.session):
        db.session.commit()
    legal = legal_modules(db.session)
    legal_status = attempt_status(db.session, current_user, legal[0]) if legal else None
    rows = []
    for project in _annotator_projects():
        version = current_version(db.session, project)
        module = module_for_version(db.session, version) if version else None
        rows.append(
            {
                "project": project,
                "gate": gate_status(db.session, current_user, project),
                "version": version,
                "module": module,
                "qualification": active_qualification(db.session, current_user, project, version)
                if version
                else None,
                "status": attempt_status(db.session, current_user, module, project)
                if module
                else None,
            }
        )
    return render_template("training/index.html", rows=rows, legal_status=legal_status)


@bp.route("/modules/<int:module_id>")
def read_module(module_id: int):
    """The reading: the rulebook version (or legal module) rendered, then the quiz button."""
    module = db.get_or_404(TrainingModule, module_id)
    project = _check_module_access(module)
    status = attempt_status(db.session, current_user, module, project)
    return render_template(
        "training/read.html",
        module=module,
        project=project,
        status=status,
        text=module_text(module, reader_language()),
    )


@bp.route("/modules/<int:module_id>/quiz", methods=["GET", "POST"])
def take_quiz(module_id: int):
    """Show the quiz with a signed one-time token; grade it on submission."""
    module = db.get_or_404(TrainingModule, module_id)
    project = _check_module_access(module)
    back = url_for("training.read_module", module_id=module.id)
    if request.method == "GET":
        status = attempt_status(db.session, current_user, module, project)
        if not status.can_attempt:
            return render_template(
                "training/read.html",
                module=module,
                project=project,
                status=status,
                text=module_text(module, reader_language()),
            ), 409
        seed = new_seed()
        drawn = draw(module, seed)
        form = _quiz_form(drawn)
        form.token.data = _serializer().dumps(
            {
                "m": module.id,
                "u": current_user.id,
                "n": secrets.token_hex(16),
                "t": utcnow().isoformat(),
                "s": seed,
            }
        )
        return _quiz_page(module, project, form, drawn)
    try:
        token = _serializer().loads(request.form.get("token", ""))
    except BadSignature:
        abort(400, _("The quiz form is invalid or was tampered with. Start the quiz again."))
    if token.get("m") != module.id or token.get("u") != current_user.id:
        abort(400, _("This quiz form belongs to another quiz or user. Start the quiz again."))
    nonce = token["n"]
    seed = token.get("s")
    drawn = draw(module, seed) if isinstance(seed, int) else unshuffled(module)
    form = _quiz_form(drawn)
    earlier = db.session.scalar(sa.select(TrainingAttempt).where(TrainingAttempt.token == nonce))
    if earlier is not None:
        flash(_("This quiz was already submitted; here is your result."), "warning")
        return redirect(url_for("training.show_attempt", attempt_id=earlier.id))
    if not form.validate_on_submit():
        return _quiz_page(module, project, form, drawn), 400
    answers = {d.question.key: form[field_name(d.question.key)].data for d in drawn}
    from datetime import datetime

    try:
        attempt = submit_attempt(
            db.session,
            current_user,
            module,
            answers,
            token=nonce,
            started_at=datetime.fromisoformat(token["t"]),
            seed=seed if isinstance(seed, int) else None,
        )
    except DomainError as error:
        return _refused(error, back)
    db.session.commit()
    return redirect(url_for("training.show_attempt", attempt_id=attempt.id))


def _wording(question: QuizQuestion) -> Wording:
    """The question in the page's language (its own text when not translated)."""
    return localized(question, str(get_locale()))


def _quiz_form(drawn: list[DrawnQuestion]) -> QuizFormBase:
    questions = []
    for d in drawn:
        wording = _wording(d.question)
        questions.append(
            (d.question.key, wording.prompt, [(i, wording.choices[i]) for i in d.order])
        )
    return quiz_form_class(questions)()


def _quiz_page(module: TrainingModule, project, form: QuizFormBase, drawn: list[DrawnQuestion]):
    return render_template(
        "training/quiz.html",
        module=module,
        project=project,
        form=form,
        drawn=drawn,
        field_name=field_name,
        wording=_wording,
    )


@bp.route("/attempts/<int:attempt_id>")
def show_attempt(attempt_id: int):
    """The result: score, each question with the right answer, explanation and clause."""
    attempt = db.get_or_404(TrainingAttempt, attempt_id)
    if attempt.user_id != current_user.id and not current_user.is_admin:
        abort(404)
    module = attempt.module
    clauses = module_clauses(module, reader_language())
    graded = (attempt.answers or {}).get("questions", {})
    by_key = {q.key: q for q in module.questions}
    asked = [str(entry[0]) for entry in attempt.question_order or []] or list(by_key)
    results, reread = [], {}
    for key in asked:
        question = by_key.get(key)
        if question is None:
            continue
        mark = graded.get(question.key, {})
        results.append(
            {
                "question": question,
                "given": mark.get("given"),
                "correct": bool(mark.get("correct")),
                "clause": clauses.get(question.clause_key or ""),
            }
        )
        if not mark.get("correct") and question.clause_key in clauses:
            reread[question.clause_key] = clauses[question.clause_key]
    # The right choices and explanations only once they can no longer be used to pass:
    # after passing, or when no attempt is left.
    reveal = attempt.passed or (attempt_status(db.session, attempt.user, module).attempts_left == 0)
    project = project_of(module)
    gate = gate_status(db.session, attempt.user, project) if project else None
    return render_template(
        "training/result.html",
        attempt=attempt,
        module=module,
        results=results,
        reread=list(reread.values()),
        reveal=reveal,
        wording=_wording,
        gate=gate,
        project=project,
        clause_anchor=clause_anchor,
    )


def _previous_version(project: Project, version: RulebookVersion) -> RulebookVersion | None:
    """The version the annotator last qualified on or acknowledged before ``version``."""
    qualification = active_qualification(db.session, current_user, project, version)
    known = [qualification.rulebook_version] if qualification else []
    known += list(
        db.session.scalars(
            sa.select(RulebookVersion)
            .join(Acknowledgement, Acknowledgement.rulebook_version_id == RulebookVersion.id)
            .where(
                Acknowledgement.user_id == current_user.id,
                RulebookVersion.rulebook_id == version.rulebook_id,
                RulebookVersion.id != version.id,
            )
        )
    )
    known = [
        v
        for v in known
        if (v.major, v.minor, v.patch) < (version.major, version.minor, version.patch)
    ]
    return max(known, key=lambda v: (v.major, v.minor, v.patch), default=None)


@bp.route("/projects/<slug>/acknowledge", methods=["GET", "POST"])
def acknowledge(slug: str):
    """A minor revision: the change note and clause diff, then a signed acknowledgement."""
    project = db.first_or_404(sa.select(Project).where(Project.slug == slug))
    if project.id not in {p.id for p in _annotator_projects()} and not current_user.is_admin:
        abort(403)
    version = current_version(db.session, project)
    gate = gate_status(db.session, current_user, project)
    if version is None or gate.step != "acknowledge":
        flash(_("There is nothing to acknowledge in %(project)s.", project=project.name), "info")
        return redirect(url_for("training.index"))
    previous = _previous_version(project, version)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            acknowledge_version(
                db.session, current_user, project, version, required_text(form.sha256)
            )
        except DomainError as error:
            return _refused(error, url_for("training.acknowledge", slug=slug))
        db.session.commit()
        flash(
            _(
                "Signed: you acknowledged %(title)s v%(version)s.",
                title=version.title,
                version=version.version,
            ),
            "success",
        )
        return redirect(url_for("training.index"))
    form.sha256.data = version.sha256
    diff = diff_versions(previous, version, reader_language()) if previous else None
    return render_template(
        "training/acknowledge.html",
        project=project,
        version=version,
        previous=previous,
        diff=diff,
        form=form,
        module=module_for_version(db.session, version),
    ), 400 if form.errors else 200
