"""Rulebook drafts in the browser (routes of the ``rulebooks`` blueprint): the project's
first rulebook from a template or an upload, editing a draft (missing sections named on
save), starting a new draft from a version (its quiz copied), and publishing after a
confirmation page showing the diff and what annotators will have to do."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.validators import Optional

from annotate.database import db
from annotate.forms.common import EmptyForm, SelectChoice, required_text
from annotate.forms.quiz import FirstRulebookForm, PublishForm
from annotate.forms.rulebooks import DraftEditForm, NewDraftForm
from annotate.models import RulebookVersion, VersionStatus
from annotate.problem_text import problem_text
from annotate.services.errors import DomainError
from annotate.services.rulebooks.bump import bump_problem
from annotate.services.rulebooks.diff import diff_versions
from annotate.services.rulebooks.files import rulebook_templates
from annotate.services.rulebooks.languages import stored_translation_problems
from annotate.services.rulebooks.parsing import LANGUAGES, missing_parts
from annotate.services.rulebooks.translations import starting_text, update_translation
from annotate.services.rulebooks.versions import list_versions, update_draft
from annotate.services.training.modules import module_for_version
from annotate.services.training.publishing import (
    import_first_rulebook,
    new_draft_with_quiz,
    publish_preview,
    publish_with_training,
    quiz_problems,
)
from annotate.views.reading import reader_language
from annotate.views.rulebooks_admin import _error, _version, bp, version_languages

#: Largest rulebook or quiz file accepted as an upload.
MAX_UPLOAD_BYTES = 512 * 1024


def _templates():
    return rulebook_templates(Path(current_app.config["GUIDELINES_DIR"]))


def _first_page(form: FirstRulebookForm, status: int = 200, problems: list[str] | None = None):
    return render_template(
        "rulebooks/new.html", project=g.project, form=form, problems=problems or []
    ), status


def _read_upload(field, label: str) -> str | None:
    """The text of an uploaded file (None if none); records an inline error otherwise."""
    storage = field.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    raw = storage.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        field.errors = [_("%(file)s is larger than 512 KiB.", file=label)]
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        field.errors = [_("%(file)s is not UTF-8 text.", file=label)]
        return None


@bp.route("/rulebooks/new", methods=["GET", "POST"])
def new_rulebook():
    """The project's first rulebook, from a shipped template or an uploaded file."""
    if g.project.rulebooks:
        flash(_("This project already has a rulebook; start a new draft from a version."), "info")
        return redirect(url_for("rulebooks.history"))
    templates = {t.key: t for t in _templates()}
    form = FirstRulebookForm()
    form.template.choices = [SelectChoice("", _("— none: upload a file —"))] + [
        SelectChoice(t.key, f"{t.title} ({t.path.name})") for t in templates.values()
    ]
    if not form.validate_on_submit():
        return _first_page(form, 400 if form.errors else 200)
    text = _read_upload(form.markdown, _("The rulebook"))
    quiz = _read_upload(form.quiz, _("The quiz"))
    if form.markdown.errors or form.quiz.errors:
        return _first_page(form, 400)
    source = getattr(form.markdown.data, "filename", "") or "upload"
    translations: list[tuple[str, str | None]] = []
    if text is None:
        template = templates.get(form.template.data or "")
        if template is None:
            form.template.errors = [_("Choose a template or upload a rulebook file.")]
            return _first_page(form, 400)
        text = template.path.read_text(encoding="utf-8")
        own_quiz = quiz is None and template.quiz_path is not None
        if own_quiz and template.quiz_path is not None:
            quiz = template.quiz_path.read_text(encoding="utf-8")
        # The template's translations come with it (their quizzes only with its quiz).
        translations = [
            (
                md.read_text(encoding="utf-8"),
                yml.read_text(encoding="utf-8") if own_quiz and yml else None,
            )
            for md, yml in template.translations
        ]
        source = f"{template.key}/{template.path.name}"
    try:
        version = import_first_rulebook(
            db.session,
            g.project,
            text,
            quiz,
            source=source,
            actor=current_user,
            translations=translations,
        )
    except DomainError as error:
        db.session.rollback()
        problems = getattr(error, "problems", [])
        flash(problem_text(str(error).split("\n")[0]), "danger")
        return _first_page(form, error.status_code, problems)
    db.session.commit()
    flash(
        _("Draft %(version)s created. Check it, then publish it.", version=version.version),
        "success",
    )
    return redirect(url_for("rulebooks.show_version", version=version.version))


def _save_warnings(version: RulebookVersion) -> list[str]:
    """What publishing would refuse in a saved draft, named at once."""
    warnings = []
    sections, no_clause = missing_parts(version.body)
    if sections:
        warnings.append(
            _(
                "It cannot be published yet: the required section(s) %(names)s are missing.",
                names=", ".join(f"## {name}" for name in sections),
            )
        )
    if no_clause:
        warnings.append(_("It cannot be published yet: it has no numbered clause."))
    problem = bump_problem(version)
    if problem:
        warnings.append(problem)
    warnings.extend(
        stored_translation_problems(version.body, version.translations, version.version)
    )
    preview = publish_preview(db.session, version)
    warnings.extend(
        quiz_problems(version, preview.module, retraining=preview.retraining, extra=preview.gold)
    )
    return warnings


@bp.route("/rulebooks/<version>/edit", methods=["GET", "POST"])
def edit_draft(version: str):
    """Edit a draft's Markdown; published versions are read-only."""
    found = _version(version)
    if found.status != VersionStatus.draft:
        flash(
            _(
                "Version %(version)s is published and never changes. Start a new draft instead.",
                version=found.version,
            ),
            "warning",
        )
        return redirect(url_for("rulebooks.show_version", version=found.version))
    form = DraftEditForm()
    # ``?lang=`` edits the translation into that language (empty text removes it).
    lang = request.args.get("lang", "")
    translating = lang in LANGUAGES and lang != found.language
    if translating:
        form.body.validators = [Optional()]
    if form.validate_on_submit():
        text = (form.body.data or "").replace("\r\n", "\n")
        try:
            if translating:
                update_translation(db.session, found, lang, text, actor=current_user)
            else:
                update_draft(db.session, found, text, actor=current_user)
        except DomainError as error:
            shown = lang if translating else ""
            return _error(error, "rulebooks/edit.html", version=found, form=form, lang=shown)
        db.session.commit()
        flash(_("Draft %(version)s saved.", version=found.version), "success")
        for warning in _save_warnings(found):
            flash(problem_text(warning), "warning")
        back = lang if translating and text.strip() else None
        return redirect(url_for("rulebooks.show_version", version=found.version, lang=back))
    if not form.is_submitted():
        form.body.data = starting_text(found, lang) if translating else found.body
    return render_template(
        "rulebooks/edit.html",
        project=g.project,
        version=found,
        form=form,
        problems=[],
        lang=lang if translating else "",
    ), 400 if form.errors else 200


def _version_page(found: RulebookVersion, draft_form: NewDraftForm, status: int = 200):
    return render_template(
        "rulebooks/version.html",
        project=g.project,
        version=found,
        **version_languages(found),
        module=module_for_version(db.session, found),
        publish_form=EmptyForm(),
        draft_form=draft_form,
        problems=[],
    ), status


@bp.route("/rulebooks/<version>/new-draft", methods=["POST"])
def new_draft(version: str):
    """Start a new draft whose text and quiz are copies of this version's."""
    found = _version(version)
    form = NewDraftForm()
    if not form.validate_on_submit():
        return _version_page(found, form, 400)
    try:
        draft = new_draft_with_quiz(
            db.session, found, required_text(form.version).strip(), actor=current_user
        )
    except DomainError as error:
        db.session.rollback()
        form.version.errors = [problem_text(error)]
        return _version_page(found, form, error.status_code)
    db.session.commit()
    flash(
        _(
            "Draft %(version)s started with a copy of the quiz; describe the change in its "
            "change_note.",
            version=draft.version,
        ),
        "success",
    )
    return redirect(url_for("rulebooks.edit_draft", version=draft.version))


def _confirm_page(found: RulebookVersion, form: PublishForm, status: int = 200):
    preview = publish_preview(db.session, found)
    form.sha256.data = found.sha256
    versions = list_versions(db.session, g.project)
    return render_template(
        "rulebooks/publish.html",
        project=g.project,
        version=found,
        preview=preview,
        diff=diff_versions(preview.base, found, reader_language()) if preview.base else None,
        form=form,
        problems=[],
        versions=versions,
    ), status


@bp.route("/rulebooks/<version>/publish", methods=["GET", "POST"])
def publish(version: str):
    """Confirm, then publish a draft: immutable from now on; a major version requires
    re-training, a minor one an acknowledgement. A refusal returns to this page."""
    found = _version(version)
    if found.status != VersionStatus.draft:
        flash(_("Version %(version)s is already published.", version=found.version), "warning")
        return redirect(url_for("rulebooks.show_version", version=found.version)), 303
    form = PublishForm()
    if not form.validate_on_submit():
        return _confirm_page(found, form, 400 if form.errors else 200)
    if form.sha256.data != found.sha256:
        flash(_("The draft changed since this page was opened; check it again."), "warning")
        return redirect(url_for("rulebooks.publish", version=found.version)), 303
    try:
        publish_with_training(db.session, found, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(problem_text(str(error).split("\n")[0]), "danger")
        for problem in getattr(error, "problems", []):
            flash(problem_text(problem), "danger")
        return redirect(url_for("rulebooks.publish", version=version)), 303
    db.session.commit()
    if found.requires_retraining:
        message = _(
            "Published %(version)s. It is a major version: every annotator must pass its "
            "quiz before annotating again.",
            version=found.version,
        )
    else:
        message = _(
            "Published %(version)s. Annotators must acknowledge the change before "
            "annotating again.",
            version=found.version,
        )
    flash(message, "success")
    return redirect(url_for("rulebooks.history"))
