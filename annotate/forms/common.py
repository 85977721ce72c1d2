"""Forms shared by many pages."""

from flask_wtf import FlaskForm

# WTForms 3.3 added SelectChoice; its stubs (types-WTForms 3.2) do not have it yet, so it is
# imported here once and the rest of the package takes it from this module.
from wtforms import StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in stubs

__all__ = ["EmptyForm", "SelectChoice", "required_text"]


class EmptyForm(FlaskForm):
    """A form with no fields: gives POST-only buttons a CSRF token."""


def required_text(field: StringField) -> str:
    """The text of a field that its form has validated as required.

    WTForms types ``data`` as ``str | None``: None when the request did not carry the field,
    which a ``DataRequired`` or ``InputRequired`` validator has already refused. None here
    means the caller read the field without validating the form: a programming error.
    """
    if field.data is None:
        raise RuntimeError(f"{field.name!r} read before its form was validated as required")
    return field.data
