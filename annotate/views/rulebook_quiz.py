"""Quiz authoring (routes of the ``rulebooks`` blueprint): the questions of a draft's quiz,
added, edited, reordered and deleted; a published version's quiz is shown read-only."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.database import db
from annotate.forms.common import EmptyForm, SelectChoice, required_text
from annotate.forms.quiz import MoveForm, QuestionForm, QuizLengthForm
from annotate.models import QuizQuestion, RulebookVersion, VersionStatus
from annotate.services.errors import DomainError
from annotate.services.training.authoring import (
    QuestionInput,
    add_question,
    delete_question,
    move_question,
    question_problems,
    set_quiz_length,
    update_question,
)
from annotate.services.training.modules import module_for_version
from annotate.services.training.publishing import required_questions
from annotate.views.rulebooks_admin import _version, bp


def _question_form(version: RulebookVersion, question: QuizQuestion | None = None) -> QuestionForm:
    form = QuestionForm(prefix="q")
    form.clause_key.choices = [
        SelectChoice(c.key, f"{c.key} {c.title}"[:90]) for c in version.clauses
    ]
    if question is not None and not form.is_submitted():
        form.prompt.data = question.prompt
        form.choices.data = "\n".join(str(c) for c in question.choices)
        form.answer.data = int(question.answer) + 1
        form.explanation.data = question.explanation
        form.clause_key.data = question.clause_key
        for language, text in (question.translations or {}).items():
            form.language.data = language
            form.translated_prompt.data = text.get("prompt", "")
            form.translated_choices.data = "\n".join(str(c) for c in text.get("choices", []))
            form.translated_explanation.data = text.get("explanation", "")
    return form


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _input(form: QuestionForm) -> QuestionInput:
    return QuestionInput(
        prompt=required_text(form.prompt),
        choices=_lines(form.choices.data),
        answer=(form.answer.data or 0) - 1,
        explanation=form.explanation.data or "",
        clause_key=form.clause_key.data or "",
        language=form.language.data or "",
        translated_prompt=form.translated_prompt.data or "",
        translated_choices=_lines(form.translated_choices.data),
        translated_explanation=form.translated_explanation.data or "",
    )


def _valid(version: RulebookVersion, form: QuestionForm) -> bool:
    """Validate the form, then the question as the service will (errors beside fields)."""
    if not form.validate_on_submit():
        return False
    problems = question_problems(version, _input(form))
    for name, message in problems.items():
        form[name].errors = [message]
    return not problems


def _quiz_page(
    version: RulebookVersion,
    form: QuestionForm | None = None,
    status: int = 200,
    length_form: QuizLengthForm | None = None,
):
    module = module_for_version(db.session, version)
    if length_form is None:
        length_form = QuizLengthForm(prefix="len")
        length_form.length.data = module.quiz_length if module else None
    return render_template(
        "rulebooks/quiz.html",
        project=g.project,
        version=version,
        module=module,
        questions=list(module.questions) if module else [],
        form=form or _question_form(version),
        length_form=length_form,
        action_form=EmptyForm(),
        needed=required_questions(module),
        editable=version.status == VersionStatus.draft,
        problems=[],
    ), status


def _draft(version: str) -> RulebookVersion:
    found = _version(version)
    if found.status != VersionStatus.draft:
        abort(
            409,
            _("Version %(version)s is published: its quiz never changes.", version=found.version),
        )
    return found


def _question(found: RulebookVersion, question_id: int) -> QuizQuestion:
    question = db.get_or_404(QuizQuestion, question_id)
    module = module_for_version(db.session, found)
    if module is None or question.module_id != module.id:
        abort(404)
    return question


def _back(found: RulebookVersion):
    return redirect(url_for("rulebooks.quiz", version=found.version))


@bp.route("/rulebooks/<version>/quiz")
def quiz(version: str):
    """The questions of a version's quiz; for a draft, the forms to change them."""
    return _quiz_page(_version(version))


@bp.route("/rulebooks/<version>/quiz/questions", methods=["POST"])
def add_quiz_question(version: str):
    """Append a question to a draft's quiz."""
    found = _draft(version)
    form = _question_form(found)
    if not _valid(found, form):
        return _quiz_page(found, form, 400)
    try:
        add_question(db.session, found, _input(form), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error).split("\n")[0], "danger")
        return _quiz_page(found, form, error.status_code)
    db.session.commit()
    flash(_("Question added."), "success")
    return _back(found)


@bp.route("/rulebooks/<version>/quiz/questions/<int:question_id>", methods=["GET", "POST"])
def edit_quiz_question(version: str, question_id: int):
    """Edit one question of a draft's quiz."""
    found = _draft(version)
    question = _question(found, question_id)
    form = _question_form(found, question)
    if form.is_submitted():
        if _valid(found, form):
            try:
                update_question(db.session, question, _input(form), actor=current_user)
            except DomainError as error:
                db.session.rollback()
                flash(str(error).split("\n")[0], "danger")
                return _back(found)
            db.session.commit()
            flash(_("Question saved."), "success")
            return _back(found)
    status = 400 if form.errors else 200
    return render_template(
        "rulebooks/question.html",
        project=g.project,
        version=found,
        question=question,
        form=form,
        problems=[],
    ), status


@bp.route("/rulebooks/<version>/quiz/questions/<int:question_id>/delete", methods=["POST"])
def delete_quiz_question(version: str, question_id: int):
    """Delete one question of a draft's quiz."""
    found = _draft(version)
    question = _question(found, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    delete_question(db.session, question, actor=current_user)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return _back(found)


@bp.route("/rulebooks/<version>/quiz/questions/<int:question_id>/move", methods=["POST"])
def move_quiz_question(version: str, question_id: int):
    """Move one question up or down."""
    found = _draft(version)
    question = _question(found, question_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    move_question(
        db.session, question, -1 if form.direction.data == "up" else 1, actor=current_user
    )
    db.session.commit()
    return _back(found)


@bp.route("/rulebooks/<version>/quiz/length", methods=["POST"])
def quiz_length(version: str):
    """How many questions one attempt draws from the pool."""
    found = _draft(version)
    form = QuizLengthForm(prefix="len")
    if not form.validate_on_submit():
        return _quiz_page(found, status=400, length_form=form)
    set_quiz_length(db.session, found, form.length.data, actor=current_user)
    db.session.commit()
    flash(_("Quiz length saved."), "success")
    return _back(found)
