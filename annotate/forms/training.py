"""Annotator training forms: the quiz (built per module) and the signed acknowledgement."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SubmitField
from wtforms.validators import DataRequired, InputRequired

from annotate.forms.common import SelectChoice
from annotate.models import TrainingModule


class QuizFormBase(FlaskForm):
    """Fields common to every quiz: the signed one-time token."""

    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Submit my answers"))


def field_name(question_key: str) -> str:
    """The form field holding the answer to a question."""
    return "q_" + "".join(ch if ch.isalnum() else "_" for ch in question_key)


def quiz_form_class(module: TrainingModule) -> type[QuizFormBase]:
    """A form class with one radio group per question of ``module``."""

    class QuizForm(QuizFormBase):
        pass

    for question in module.questions:
        setattr(
            QuizForm,
            field_name(question.key),
            RadioField(
                question.prompt,
                choices=[
                    SelectChoice(str(i), str(choice)) for i, choice in enumerate(question.choices)
                ],
                validators=[InputRequired(message=_l("Choose an answer."))],
            ),
        )
    return QuizForm


class AcknowledgeForm(FlaskForm):
    """Sign that you have read a minor revision (the sha256 you were shown is signed)."""

    sha256 = HiddenField(validators=[DataRequired()])
    confirm = BooleanField(
        _l("I have read the change and will apply this version from now on."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Sign acknowledgement"))
