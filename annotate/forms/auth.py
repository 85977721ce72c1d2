"""Login and account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me logged in on this computer"))
    submit = SubmitField(_l("Log in"))


class LanguageForm(FlaskForm):
    """The interface language saved with the account."""

    locale = SelectField(_l("Language"), choices=[])
    submit = SubmitField(_l("Save"))


class TimeZoneForm(FlaskForm):
    """The time zone pages show times in for this user."""

    time_zone = SelectField(_l("Time zone"), choices=[])
    submit = SubmitField(_l("Save"))


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", _l("Passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class TokenForm(FlaskForm):
    """Name a new personal API token."""

    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Create token"))


class NewPasswordForm(FlaskForm):
    """Choose a new password after an administrator's reset (no current password asked:
    the user has just logged in with the temporary one)."""

    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", _l("Passwords differ."))],
    )
    submit = SubmitField(_l("Set my password"))
