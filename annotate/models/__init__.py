"""Every model, re-exported so Alembic and callers see all tables from one import."""

from annotate.models.annotations import Annotation, Assignment
from annotate.models.audit import AuditEvent, AuditHead
from annotate.models.enums import (
    AnnotationSource,
    AssignmentStatus,
    BatchStatus,
    Decision,
    FlagKind,
    GoldSource,
    MeasurementLevel,
    ModuleKind,
    ProjectRole,
    RejectScope,
    RulebookKind,
    SampleMethod,
    SupervisionAction,
    TaskType,
    Verdict,
    VersionStatus,
)
from annotate.models.items import Batch, Item, ItemFlag
from annotate.models.jobs import Job, JobState
from annotate.models.predictions import ModelVersion, Prediction
from annotate.models.projects import Project
from annotate.models.reviews import (
    BatchDecision,
    Review,
    ReviewAnswer,
    SampledAnnotation,
    SamplePlan,
)
from annotate.models.rulebooks import Clause, Rulebook, RulebookVersion
from annotate.models.snapshots import ReportSnapshot, ScheduleRun
from annotate.models.supervision import Feedback, SupervisionEvent
from annotate.models.training import (
    Acknowledgement,
    Qualification,
    QuizQuestion,
    TrainingAttempt,
    TrainingModule,
)
from annotate.models.users import ApiToken, Membership, User

__all__ = [
    "Acknowledgement",
    "Annotation",
    "AnnotationSource",
    "ApiToken",
    "Assignment",
    "AssignmentStatus",
    "AuditEvent",
    "AuditHead",
    "Batch",
    "BatchDecision",
    "BatchStatus",
    "Clause",
    "Decision",
    "Feedback",
    "FlagKind",
    "GoldSource",
    "Item",
    "Job",
    "ReportSnapshot",
    "ScheduleRun",
    "JobState",
    "ItemFlag",
    "MeasurementLevel",
    "Membership",
    "ModelVersion",
    "ModuleKind",
    "Prediction",
    "Project",
    "ProjectRole",
    "Qualification",
    "QuizQuestion",
    "RejectScope",
    "Review",
    "ReviewAnswer",
    "Rulebook",
    "RulebookKind",
    "RulebookVersion",
    "SampleMethod",
    "SamplePlan",
    "SampledAnnotation",
    "SupervisionAction",
    "SupervisionEvent",
    "TaskType",
    "TrainingAttempt",
    "TrainingModule",
    "User",
    "Verdict",
    "VersionStatus",
]
