"""Forms for supervision actions and the audit-log filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from annotate.forms.common import SelectChoice


class SupervisionForm(FlaskForm):
    """Retrain, suspend or reinstate an annotator, with the reason they will see."""

    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice(
                "retrain",
                _l("Retrain: revoke the qualification until the training is passed again"),
            ),
            SelectChoice("suspend", _l("Suspend")),
            SelectChoice("reinstate", _l("Reinstate")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason (shown to the annotator)"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Record action"))


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=64)])
    project = SelectField(_l("Project"), choices=[], validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
