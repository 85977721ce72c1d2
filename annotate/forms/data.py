"""Forms for managing data: uploading a file of items."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from annotate.forms.common import SelectChoice


class ImportForm(FlaskForm):
    """Upload JSONL, CSV or Label Studio JSON into a batch."""

    file = FileField(
        _l("File (JSONL, CSV or Label Studio JSON)"),
        validators=[FileRequired(_l("Choose a file to import."))],
    )
    fmt = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("auto", _l("From the file name (.jsonl, .csv, .json)")),
            SelectChoice("jsonl", _l("JSON Lines")),
            SelectChoice("csv", _l("CSV")),
            SelectChoice("labelstudio", _l("Label Studio tasks (JSON)")),
        ],
        default="auto",
    )
    dedupe = SelectField(
        _l("Duplicates"),
        choices=[
            SelectChoice("id", _l("Skip items whose id is already here; import the rest")),
            SelectChoice("content", _l("Also skip items whose text another item already has")),
        ],
        default="id",
        description=_l("Either way, items sharing their content with another item are listed."),
    )
    rulebook_version = StringField(
        _l("Rulebook version of the imported annotations"),
        validators=[Optional(), Length(max=32)],
        description=_l(
            "Label Studio annotations only. Without a version they are reported as "
            "“no rulebook version”."
        ),
    )
    batch = StringField(
        _l("Batch name (default: the file name)"), validators=[Optional(), Length(max=200)]
    )
    source = StringField(_l("Source of the data"), validators=[Optional(), Length(max=500)])
    licence = StringField(_l("Licence"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Import"))


class PredictionImportForm(FlaskForm):
    """Upload model predictions for items already in the project."""

    file = FileField(
        _l("File of predictions (JSONL, CSV or Label Studio JSON)"),
        validators=[FileRequired(_l("Choose a file to import."))],
    )
    fmt = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("auto", _l("From the file name (.jsonl, .csv, .json)")),
            SelectChoice("jsonl", _l("JSON Lines")),
            SelectChoice("csv", _l("CSV")),
            SelectChoice("labelstudio", _l("Label Studio tasks (JSON)")),
        ],
        default="auto",
    )
    model = StringField(
        _l("Model name"),
        validators=[Optional(), Length(max=200)],
        description=_l("For predictions that name no model."),
    )
    version = StringField(
        _l("Model version"),
        validators=[Optional(), Length(max=100)],
        description=_l("For predictions that name no version."),
    )
    submit = SubmitField(_l("Import predictions"))
