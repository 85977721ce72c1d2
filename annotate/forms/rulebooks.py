"""Rulebook administration forms: edit a draft, start a draft, diff, revoke, allow retry."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp


class DraftEditForm(FlaskForm):
    """The Markdown source of a draft, front matter included."""

    body = TextAreaField(
        _l("Markdown source"),
        validators=[DataRequired()],
        render_kw={"rows": 28, "spellcheck": "false", "class": "font-monospace"},
    )
    submit = SubmitField(_l("Save draft"))


class NewDraftForm(FlaskForm):
    """Start a new draft from a version."""

    version = StringField(
        _l("New version"),
        validators=[
            DataRequired(),
            Regexp(r"^\d+\.\d+\.\d+$", message=_l("Use MAJOR.MINOR.PATCH.")),
        ],
    )
    submit = SubmitField(_l("Start new draft"))


class DiffForm(FlaskForm):
    """Choose two versions to compare (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    a = SelectField(_l("From"), choices=[])
    b = SelectField(_l("To"), choices=[])
    submit = SubmitField(_l("Compare"))


class RevokeForm(FlaskForm):
    """Revoke a qualification, with the reason kept in the transcript."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Revoke"))


class RetryForm(FlaskForm):
    """Allow an annotator who used all attempts to try again."""

    module_id = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
    submit = SubmitField(_l("Allow another attempt"))
