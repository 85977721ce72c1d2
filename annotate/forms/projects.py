"""Forms to create a project (label schema included) and to change its settings.

The forms only carry text: every check is made by the services
(:mod:`annotate.services.projects.schema`, :mod:`annotate.services.projects.settings`), the
same ones the CLI uses, and their messages are put beside the fields here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from annotate.forms.common import SelectChoice
from annotate.labels import label
from annotate.models import MeasurementLevel, RulebookKind, TaskType
from annotate.services.projects.schema import COLOURS
from annotate.services.projects.settings import SETTINGS, Setting

#: Empty label rows offered below the template's.
SPARE_ROWS = 3
#: Krippendorff's levels of measurement as people read them.
LEVEL_NAMES = {
    MeasurementLevel.nominal.value: _l("nominal (categories)"),
    MeasurementLevel.ordinal.value: _l("ordinal (ordered)"),
    MeasurementLevel.interval.value: _l("interval (numbers)"),
    MeasurementLevel.ratio.value: _l("ratio (numbers with a true zero)"),
}


def _lazy_label(value: object) -> LazyString:
    """``label(value)`` in the language of the request that renders it (choices are built
    once, when the class is defined)."""
    return LazyString(label, value)


class LabelRowForm(Form):
    """One label of the schema (a sub-form: the outer form carries the CSRF token)."""

    key = StringField(_l("Key"), render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = StringField(_l("Name (English)"))
    name_zh = StringField(_l("Name (Chinese)"))
    hotkey = StringField(_l("Hotkey"), render_kw={"maxlength": 1, "autocomplete": "off"})
    color = SelectField(
        _l("Colour"),
        choices=[SelectChoice(str(n), c) for n, c in enumerate(COLOURS)],
        validate_choice=False,
    )


class ProjectCreateForm(FlaskForm):
    """A new project: identity, task type, label schema or scale, measurement level."""

    slug = StringField(
        _l("Slug"),
        validators=[Length(max=63)],
        description=_l("Used in addresses and the CLI: lower-case letters, digits and -."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(_l("Name"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    task_type = SelectField(
        _l("Task type"), choices=[SelectChoice(t.value, _lazy_label(t)) for t in TaskType]
    )
    rulebook_kind = SelectField(
        _l("Kind of rulebook"),
        choices=[SelectChoice(k.value, _lazy_label(k)) for k in RulebookKind],
        description=_l("TC260-003 keeps functional and security annotation apart."),
    )
    measurement_level = SelectField(
        _l("Measurement level"),
        choices=[SelectChoice(m.value, LEVEL_NAMES[m.value]) for m in MeasurementLevel],
        description=_l(
            "How agreement is computed: nominal for categories, ordinal for ordered ratings, "
            "interval or ratio for numbers."
        ),
    )
    labels = FieldList(FormField(LabelRowForm), min_entries=0, max_entries=40)
    scale_min = StringField(_l("Lowest value"), render_kw={"inputmode": "decimal"})
    scale_max = StringField(_l("Highest value"), render_kw={"inputmode": "decimal"})
    scale_step = StringField(_l("Step"), render_kw={"inputmode": "decimal"})
    questions = TextAreaField(
        _l("Questions (YAML or JSON)"),
        validators=[Length(max=100_000)],
        description=_l(
            "For form projects only: the item's fields and the questions asked about each "
            "item, each with a key, a type, its labels or scale, whether it is required, the "
            "field it applies to and a condition to show it."
        ),
        render_kw={"rows": 16, "spellcheck": "false", "class": "font-monospace"},
    )
    more_rows = SubmitField(_l("More label rows"))
    submit = SubmitField(_l("Create project"))


class QuestionsForm(FlaskForm):
    """A form project's questions as YAML (or JSON) text (the settings page)."""

    questions = TextAreaField(
        _l("Questions (YAML or JSON)"),
        validators=[Length(max=100_000)],
        description=_l(
            "Once items are annotated, the fields and each question's key, type and labels "
            "or scale stay; names, conditions, whether a question is required and new "
            "questions may change."
        ),
        render_kw={"rows": 20, "spellcheck": "false", "class": "font-monospace"},
    )
    save_questions = SubmitField(_l("Save the questions"))


class SettingsFormBase(FlaskForm):
    """Base of the settings form; :func:`settings_form` adds one field per setting."""

    submit = SubmitField(_l("Save settings"))


def _choice_label(setting: Setting, value: str) -> Any:
    if setting.key in ("task_type", "default_sample_method"):
        return label(value)
    if setting.key == "reject_scope":
        return {"failed": _l("the failed annotations"), "batch": _l("the whole batch")}[value]
    return value


def _field(setting: Setting, offered: Collection[str] | None = None) -> Field:
    text = setting.help
    if setting.kind == "bool":
        return BooleanField(setting.label, description=text)
    if setting.kind == "choice":
        values = [v for v in setting.choices if offered is None or v in offered]
        return SelectField(
            setting.label,
            choices=[SelectChoice(v, _choice_label(setting, v)) for v in values],
            description=text,
            validate_choice=False,
        )
    if setting.key == "description":
        return TextAreaField(setting.label, description=text)
    kw = {} if setting.kind in ("text", "zone") else {"inputmode": "decimal"}
    return StringField(setting.label, description=text, render_kw=kw)


def settings_form(
    values: Mapping[str, Any], task_types: Collection[str] | None = None, **kwargs: Any
) -> FlaskForm:
    """The settings form, filled with ``values`` (the project's current settings) on GET;
    ``task_types`` are the task types offered (the service still checks the one posted)."""

    class SettingsForm(SettingsFormBase):
        pass

    for setting in SETTINGS:
        offered = task_types if setting.key == "task_type" else None
        setattr(SettingsForm, setting.key, _field(setting, offered))
    data = {
        key: (value if isinstance(value, bool | str) else f"{value:g}")
        for key, value in values.items()
    }
    return SettingsForm(data=data, **kwargs)


def put_errors(form: Any, fields: dict[str, Any]) -> None:
    """Attach service messages to the form's fields (``labels-N-field`` to a label row);
    a message without a field goes to ``form.form_errors``."""
    for key, message in fields.items():
        parts = key.split("-")
        target = None
        if parts[0] == "labels" and len(parts) == 3 and parts[1].isdigit():
            entries = form.labels.entries
            if int(parts[1]) < len(entries):
                target = getattr(entries[int(parts[1])].form, parts[2], None)
        elif key != "labels":
            target = getattr(form, key, None)
        if target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]
