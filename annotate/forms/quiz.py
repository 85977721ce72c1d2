"""Rulebook drafting forms: the first rulebook of a project, publishing with confirmation,
and the questions of a draft's quiz."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from annotate.forms.common import SelectChoice


class FirstRulebookForm(FlaskForm):
    """Start a project's first rulebook from a shipped template or an uploaded file."""

    template = SelectField(_l("Start from a template"), choices=[], validators=[Optional()])
    markdown = FileField(_l("…or upload a rulebook (guidelines/ Markdown file)"))
    quiz = FileField(_l("Its quiz (optional, guidelines/ YAML file)"))
    submit = SubmitField(_l("Create the draft"))


class PublishForm(FlaskForm):
    """The confirmation step of publishing: the sha256 shown is the one published."""

    sha256 = HiddenField(validators=[DataRequired()])
    confirm = BooleanField(
        _l("I have checked the changes and what annotators will have to do."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Publish"))


class QuestionForm(FlaskForm):
    """One question of a draft's quiz (choices one per line, the answer numbered from 1)."""

    prompt = TextAreaField(
        _l("Question"),
        validators=[DataRequired(message=_l("Write the question.")), Length(max=4000)],
        render_kw={"rows": 3},
    )
    choices = TextAreaField(
        _l("Choices, one per line"),
        validators=[DataRequired(message=_l("Give at least two choices, one per line."))],
        render_kw={"rows": 4},
    )
    answer = IntegerField(
        _l("Number of the correct choice"),
        validators=[
            InputRequired(message=_l("Give the number of the correct choice.")),
            NumberRange(min=1, max=8, message=_l("A number from 1 to 8.")),
        ],
    )
    explanation = TextAreaField(
        _l("Explanation (shown after passing)"),
        validators=[Length(max=4000)],
        render_kw={"rows": 2},
    )
    clause_key = SelectField(_l("Clause cited"), choices=[])
    language = SelectField(
        _l("Also written in"),
        choices=[
            SelectChoice("", _l("— no other language —")),
            SelectChoice("zh", "中文"),
            SelectChoice("en", "English"),
        ],
        validators=[Optional()],
    )
    translated_prompt = TextAreaField(
        _l("Question in that language"), validators=[Length(max=4000)], render_kw={"rows": 3}
    )
    translated_choices = TextAreaField(
        _l("Choices in that language, same order"), render_kw={"rows": 4}
    )
    translated_explanation = TextAreaField(
        _l("Explanation in that language"), validators=[Length(max=4000)], render_kw={"rows": 2}
    )
    submit = SubmitField(_l("Save question"))


class QuizLengthForm(FlaskForm):
    """How many questions of the pool one attempt asks (empty: all)."""

    length = IntegerField(
        _l("Questions per attempt (empty: all)"),
        validators=[Optional(), NumberRange(min=1, max=200, message=_l("A number from 1 to 200."))],
    )
    submit = SubmitField(_l("Save"))


class MoveForm(FlaskForm):
    """Move a question up or down."""

    direction = HiddenField(validators=[DataRequired()])
