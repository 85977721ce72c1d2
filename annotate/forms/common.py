"""Forms shared by many pages."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with no fields: gives POST-only buttons a CSRF token."""
