"""Agreement, accuracy, sampling and consensus — a pure package.

Depends on numpy, scipy and the standard library only; nothing else of ours (the tests
cross-check it against scikit-learn and the ``krippendorff`` package). Input everywhere is long
format (parallel ``items``, ``annotators``, ``values``), with a raters × units matrix accepted
as a convenience. Results are frozen dataclasses; an undefined figure is ``None`` with a
``reason``, never ``NaN``. Random choices take a ``seed``.
"""

from .accuracy import (
    clopper_pearson_interval,
    gold_accuracy,
    proportion,
    review_accuracy,
    wilson_interval,
)
from .agreement import (
    cohen_kappa,
    cohen_kappa_labels,
    cohen_matrix,
    fleiss_kappa,
    gwet_ac,
    gwet_ac1,
    pairwise_percent_agreement,
    percent_agreement,
    scott_pi,
)
from .bootstrap import BootResult, bootstrap_agreement, bootstrap_ci
from .consensus import DawidSkeneResult, MajorityVote, dawid_skene, majority_vote
from .data import Ratings, as_ratings, ratings_from_long, ratings_from_matrix
from .io import LongFormatError, read_long_file
from .iso2859 import SamplingPlan, code_letter, single_sampling_plan
from .krippendorff_alpha import krippendorff_alpha, set_alpha
from .mace import MaceResult, mace
from .resampling import WeightBank
from .results import AccuracyReport, AgreementResult, Interval, PairwiseResult, Proportion
from .sampling import draw_sample, sample_size, zero_defect_sample_size
from .spans import per_label_agreement, span_agreement
from .summary import agreement_summary, format_table

__all__ = [
    "AccuracyReport",
    "AgreementResult",
    "BootResult",
    "DawidSkeneResult",
    "Interval",
    "LongFormatError",
    "MaceResult",
    "MajorityVote",
    "PairwiseResult",
    "Proportion",
    "Ratings",
    "SamplingPlan",
    "WeightBank",
    "agreement_summary",
    "as_ratings",
    "bootstrap_agreement",
    "bootstrap_ci",
    "clopper_pearson_interval",
    "code_letter",
    "cohen_kappa",
    "cohen_kappa_labels",
    "cohen_matrix",
    "dawid_skene",
    "draw_sample",
    "fleiss_kappa",
    "format_table",
    "gold_accuracy",
    "gwet_ac",
    "gwet_ac1",
    "krippendorff_alpha",
    "mace",
    "majority_vote",
    "pairwise_percent_agreement",
    "per_label_agreement",
    "percent_agreement",
    "proportion",
    "ratings_from_long",
    "ratings_from_matrix",
    "read_long_file",
    "review_accuracy",
    "sample_size",
    "scott_pi",
    "set_alpha",
    "single_sampling_plan",
    "span_agreement",
    "wilson_interval",
    "zero_defect_sample_size",
]
