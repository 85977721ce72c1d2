"""Annotator training forms: the quiz (built per module) and the signed acknowledgement."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SubmitField
from wtforms.validators import DataRequired, InputRequired

from annotate.forms.common import SelectChoice


class QuizFormBase(FlaskForm):
    """Fields common to every quiz: the signed one-time token."""

    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Submit my answers"))


def field_name(question_key: str) -> str:
    """The form field holding the answer to a question."""
    return "q_" + "".join(ch if ch.isalnum() else "_" for ch in question_key)


def quiz_form_class(
    questions: Iterable[tuple[str, str, list[tuple[int, str]]]],
) -> type[QuizFormBase]:
    """A form class with one radio group per question: ``(key, prompt, [(stored choice
    index, text), ...])`` in the order shown (the value of a choice is its stored index)."""

    class QuizForm(QuizFormBase):
        pass

    for key, prompt, choices in questions:
        setattr(
            QuizForm,
            field_name(key),
            RadioField(
                prompt,
                choices=[SelectChoice(str(i), str(text)) for i, text in choices],
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
