"""Forms of sampling verification: drawing a plan, judging an annotation, deciding a batch.

The corrected value is not a WTForms field: its widgets depend on the project's task type
(label buttons, check boxes, a rating, a text box), so the view reads and validates it through
the review service.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from annotate.forms.common import SelectChoice
from annotate.metrics.iso2859 import AQLS, INSPECTION_LEVELS
from annotate.models import Decision, SampleMethod, Verdict


def method_choices() -> list[SelectChoice]:
    """The sampling methods with readable names."""
    names = {
        SampleMethod.iso2859: _l("ISO 2859-1 single sampling (by lot size and AQL)"),
        SampleMethod.random_rate: _l("Random share of the batch"),
        SampleMethod.fixed_n: _l("Fixed number of annotations"),
        SampleMethod.stratified: _l("Stratified (proportional, minimum per stratum)"),
        SampleMethod.all: _l("All annotations (every one is reviewed)"),
    }
    return [SelectChoice(m.value, names[m]) for m in SampleMethod]


class DrawPlanForm(FlaskForm):
    """Draw a seeded sample plan for a batch."""

    method = SelectField(_l("Method"), choices=[])
    aql = SelectField(
        _l("AQL (percent nonconforming, ISO 2859-1)"),
        choices=[SelectChoice(f"{a:g}") for a in AQLS],
    )
    inspection_level = SelectField(
        _l("Inspection level"), choices=[SelectChoice(x) for x in INSPECTION_LEVELS]
    )
    rate = FloatField(
        _l("Share to sample (0–1)"), validators=[Optional(), NumberRange(min=0.0001, max=1)]
    )
    n = IntegerField(_l("Number to sample"), validators=[Optional(), NumberRange(min=1)])
    strata = SelectField(
        _l("Strata"),
        choices=[
            SelectChoice("annotator", _l("by annotator")),
            SelectChoice("label", _l("by label")),
            SelectChoice("annotator,label", _l("by annotator and label")),
        ],
    )
    min_per_stratum = IntegerField(
        _l("Minimum per stratum"), default=1, validators=[Optional(), NumberRange(min=0)]
    )
    seed = IntegerField(
        _l("Seed (empty: random, stored with the plan)"),
        validators=[Optional(), NumberRange(min=0, max=2**31 - 1)],
    )
    submit = SubmitField(_l("Draw the sample"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = method_choices()


class ReviewForm(FlaskForm):
    """A verdict on one sampled annotation (the correction is read from the label widgets)."""

    verdict = HiddenField(validators=[InputRequired(), AnyOf([v.value for v in Verdict])])
    # The service checks both against the project and the annotation's rulebook version.
    error_type = SelectField(_l("Error type"), choices=[], validate_choice=False)
    clause_key = SelectField(_l("Clause broken"), choices=[], validate_choice=False)
    comment = TextAreaField(
        _l("Comment for the annotator (optional)"), validators=[Length(max=4000)]
    )


class DecisionForm(FlaskForm):
    """Decide the batch: follow the plan, or override it with a reason."""

    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice(Decision.accept.value, _l("Accept the batch")),
            SelectChoice(Decision.reject.value, _l("Reject: send work back for re-annotation")),
            SelectChoice(Decision.void.value, _l("Void: prohibited content, exclude for good")),
        ],
    )
    reason = TextAreaField(
        _l("Reason (required when the decision differs from the plan's)"),
        validators=[Length(max=4000)],
    )
    submit = SubmitField(_l("Record the decision"))
