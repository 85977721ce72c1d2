"""Enumerations shared by the models; stored as their string values."""

import enum


class ProjectRole(enum.StrEnum):
    """A person's role within one project."""

    annotator = "annotator"
    reviewer = "reviewer"
    manager = "manager"


class TaskType(enum.StrEnum):
    """What an annotation's value looks like."""

    single_label = "single_label"
    multi_label = "multi_label"
    rating = "rating"
    span = "span"
    pairwise = "pairwise"
    text = "text"
    #: Several questions per item (``label_schema["questions"]``; services.projects.questions).
    form = "form"


class MeasurementLevel(enum.StrEnum):
    """Krippendorff's levels of measurement for agreement figures."""

    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


class RulebookKind(enum.StrEnum):
    """TC260-003 keeps functional and security annotation rules apart."""

    functional = "functional"
    security = "security"


class VersionStatus(enum.StrEnum):
    """Lifecycle of a rulebook version; published versions never change."""

    draft = "draft"
    published = "published"
    retired = "retired"


class ModuleKind(enum.StrEnum):
    """A training module teaches a rulebook version or the standing legal module."""

    rulebook = "rulebook"
    legal = "legal"


class BatchStatus(enum.StrEnum):
    """Where a batch is in the quality workflow."""

    open = "open"
    in_review = "in_review"
    accepted = "accepted"
    rejected = "rejected"
    reannotating = "reannotating"
    void = "void"


class AssignmentStatus(enum.StrEnum):
    """State of one annotator's claim on one item."""

    leased = "leased"
    submitted = "submitted"
    skipped = "skipped"
    expired = "expired"


class AnnotationSource(enum.StrEnum):
    """How an annotation entered the system."""

    web = "web"
    api = "api"
    imported = "imported"


class SampleMethod(enum.StrEnum):
    """How a spot-check sample is drawn from a batch."""

    random_rate = "random_rate"
    fixed_n = "fixed_n"
    stratified = "stratified"
    iso2859 = "iso2859"
    all = "all"


class Verdict(enum.StrEnum):
    """A reviewer's judgement of one sampled annotation."""

    correct = "correct"
    incorrect = "incorrect"
    prohibited = "prohibited"


class Decision(enum.StrEnum):
    """The outcome for a batch."""

    accept = "accept"
    reject = "reject"
    void = "void"


class RejectScope(enum.StrEnum):
    """What goes back for re-annotation when a batch is rejected."""

    failed = "failed"
    batch = "batch"


class SupervisionAction(enum.StrEnum):
    """What supervision did about an annotator."""

    alert = "alert"
    retrain = "retrain"
    suspend = "suspend"
    reinstate = "reinstate"


class FlagKind(enum.StrEnum):
    """Why an item was flagged (Art. 14 prohibited content, Art. 7 personal information)."""

    prohibited = "prohibited"
    personal_info = "personal_info"


class GoldSource(enum.StrEnum):
    """Where an item's gold answer came from: the import, or a manager's promotion of an
    item whose annotations agreed (issue 17)."""

    imported = "imported"
    promoted = "promoted"
