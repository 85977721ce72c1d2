"""System-admin forms: users and project roles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Regexp

from annotate.forms.common import SelectChoice
from annotate.models import ProjectRole


def role_choices() -> list[SelectChoice]:
    """The project roles, with the names the interface shows."""
    return [
        SelectChoice(ProjectRole.annotator.value, _l("annotator")),
        SelectChoice(ProjectRole.reviewer.value, _l("reviewer")),
        SelectChoice(ProjectRole.manager.value, _l("manager")),
    ]


class UserCreateForm(FlaskForm):
    """Create an account."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z0-9_.-]{2,64}$", message=_l("2-64 letters, digits, _ . -")),
        ],
    )
    display_name = StringField(_l("Display name"), validators=[Length(max=128)])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=8, max=256)]
    )
    is_admin = BooleanField(_l("System administrator"))
    submit = SubmitField(_l("Create user"))


class MembershipForm(FlaskForm):
    """Give a user a role in a project."""

    username = SelectField(_l("User"), choices=[], validators=[DataRequired()])
    project = SelectField(_l("Project"), choices=[], validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=[])
    submit = SubmitField(_l("Grant role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class UserImportForm(FlaskForm):
    """Upload a CSV of accounts: ``username,display_name,roles``."""

    file = FileField(
        _l("CSV file (username, display_name, roles)"),
        validators=[FileRequired(_l("Choose a CSV file to import."))],
    )
    submit = SubmitField(_l("Import users"))


class MemberAddForm(FlaskForm):
    """A manager gives someone a role in their project."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z0-9_.-]{2,64}$", message=_l("2-64 letters, digits, _ . -")),
        ],
    )
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired()])
    submit = SubmitField(_l("Add"))


class ErasureForm(FlaskForm):
    """Erase a person's data: the username typed again confirms it."""

    confirm = StringField(
        _l("Type the username to confirm"), validators=[DataRequired(), Length(max=64)]
    )
    submit = SubmitField(_l("Erase personal data"))
