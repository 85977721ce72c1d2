"""What each project setting does and the standard or clause behind its default.

Shown beside each field of the settings page and by ``annotate project show``. Where no
standard sets a number (TC260-003 sets no annotation accuracy threshold), the text says the
default is a convention, so nobody mistakes it for a legal requirement.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

#: group → title, in page order.
GROUPS: dict[str, Any] = {
    "general": _l("Project"),
    "assignment": _l("Assignment"),
    "quality": _l("Quality thresholds"),
    "checks": _l("Gold promotion and attention checks"),
    "sampling": _l("Sampling defaults"),
    "predictions": _l("Model predictions"),
    "training": _l("Training"),
    "dossier": _l("Compliance dossier"),
}

#: key → (label, what it does, the basis of its default).
HELP: dict[str, tuple[Any, Any, Any]] = {
    "name": (_l("Name"), _l("The project's name as people read it."), None),
    "description": (
        _l("Description"),
        _l("What the project is for; shown to its members."),
        None,
    ),
    "task_type": (
        _l("Task type"),
        _l("What annotators produce for each item. Cannot change once annotations exist."),
        _l("Chosen when the project is created (from its template)."),
    ),
    "redundancy_k": (
        _l("Redundancy k"),
        _l(
            "How many annotators label each overlap or gold item. Cannot go below what items "
            "already hold."
        ),
        _l(
            "Default 3: agreement (Art. 8 (2) quality assessment) needs at least two "
            "annotators per item; three let a majority decide."
        ),
    ),
    "overlap_share": (
        _l("Overlap share"),
        _l(
            "Share of items (0-1) labelled by k annotators to measure agreement; the others "
            "get one annotator."
        ),
        _l("Default 0.2 (20 %): a convention; no standard sets it."),
    ),
    "gold_rate": (
        _l("Gold rate"),
        _l("Share (0-1) of each annotator's queue made of gold items with a known answer."),
        _l("Default 0.05 (5 %): a convention; gold accuracy is Art. 8 (2)'s quality assessment."),
    ),
    "lease_minutes": (
        _l("Lease length (minutes)"),
        _l("How long a taken item stays reserved before it returns to the queue."),
        _l(
            "Default 30: TC260-003 §5.3 asks that each task leave enough time to annotate properly."
        ),
    ),
    "edit_window_minutes": (
        _l("Edit window (minutes)"),
        _l(
            "How long after submitting an annotator may still change their annotation (undo, "
            "history), as long as it was not drawn for review. 0 turns editing off."
        ),
        _l(
            "Default 30, the default lease: a convention; a correction made at once is cheaper "
            "than one found in review."
        ),
    ),
    "separate_roles": (
        _l("Separate annotators and reviewers"),
        _l("Nobody both annotates and reviews in this project."),
        _l("Default on: TC260-003 §5.3, within one task one person does not hold both roles."),
    ),
    "show_predictions": (
        _l("Show model predictions as suggestions"),
        _l(
            "The labeling screen pre-fills the item's latest model prediction; annotators "
            "check and change it. Every annotation made while this is on records it."
        ),
        _l(
            "Default off: a suggestion biases people towards the model's answer (anchoring), "
            "so agreement and accuracy measured with it on are not those of independent work."
        ),
    ),
    "order_by_uncertainty": (
        _l("Label uncertain items first"),
        _l(
            "Hand out the items whose latest model prediction has the lowest score first; "
            "items without a scored prediction come last."
        ),
        _l("Default off: items are handed out in import order."),
    ),
    "min_alpha": (
        _l("Minimum Krippendorff's α"),
        _l(
            "The quality dashboard draws this line on its agreement charts; α below it is "
            "insufficient."
        ),
        _l(
            "Default 0.80: Krippendorff (2004) relies on data with α ≥ 0.800 and draws only "
            "tentative conclusions from 0.667."
        ),
    ),
    "min_gold_accuracy": (
        _l("Minimum gold accuracy"),
        _l("An annotator whose accuracy on gold items falls below this raises an alert."),
        _l("Default 0.95: a convention; TC260-003 sets no annotation accuracy threshold."),
    ),
    "min_review_accuracy": (
        _l("Minimum review accuracy"),
        _l(
            "An annotator whose share of reviewed annotations judged correct falls below this "
            "raises an alert; it also sets the acceptance number of non-ISO samples."
        ),
        _l("Default 0.96: the pass rate of TC260-003 §9.2's manual sample."),
    ),
    "min_peer_agreement": (
        _l("Minimum peer agreement (κ)"),
        _l("An annotator whose mean Cohen's κ with peers falls below this raises an alert."),
        _l("Default 0.60: Landis and Koch (1977) call κ above 0.60 substantial agreement."),
    ),
    "min_n_before_judging": (
        _l("Observations before judging"),
        _l("Alerts wait until an annotator has this many observations for a figure."),
        _l("Default 20: a convention, so a few early items do not raise alerts."),
    ),
    "default_sample_method": (
        _l("Sampling method"),
        _l("How a batch's spot-check sample is drawn unless the reviewer chooses otherwise."),
        _l(
            "Default ISO 2859-1 single sampling; security projects review every annotation "
            "(TC260-003 §5.3)."
        ),
    ),
    "sample_rate": (
        _l("Sample rate"),
        _l("Share (0-1) of a batch drawn by the random-rate and stratified methods."),
        _l("Default 0.1: TC260-003 §9.2's technical sample of at least 10 %."),
    ),
    "aql": (
        _l("AQL (%)"),
        _l(
            "Acceptable quality limit for ISO 2859-1 plans, in percent nonconforming; one of "
            "the standard's preferred values."
        ),
        _l("Default 1.0: a preferred AQL of ISO 2859-1 / GB/T 2828.1 (Table 2-A)."),
    ),
    "inspection_level": (
        _l("Inspection level"),
        _l("ISO 2859-1 inspection level: S-1 to S-4 special, I to III general."),
        _l("Default II: ISO 2859-1 §10.1 uses general level II unless otherwise specified."),
    ),
    "reject_scope": (
        _l("On rejection"),
        _l("What a rejected batch sends back for re-annotation: the failed annotations or all."),
        _l(
            "Default: the failed annotations (TC260-003 §5.3 re-annotates inaccurate content; "
            "illegal content voids the batch)."
        ),
    ),
    "training_pass_mark": (
        _l("Pass mark"),
        _l("Share (0-1) of quiz answers that must be right to qualify."),
        _l(
            "Default 0.8: a convention; TC260-003 §5.3 requires an assessment before "
            "qualification but sets no mark."
        ),
    ),
    "training_attempt_limit": (
        _l("Attempts"),
        _l("Quiz attempts allowed before a manager must step in; 0 allows any number."),
        _l("Default 3: a convention."),
    ),
    "training_cooldown_minutes": (
        _l("Cool-down (minutes)"),
        _l("Wait after a failed attempt, time to reread the rulebook."),
        _l("Default 60: a convention."),
    ),
    "qualification_validity_days": (
        _l("Qualification validity (days)"),
        _l("Days a qualification lasts before the annotator must train again."),
        _l(
            "Default 365: TC260-003 §5.3 asks for periodic re-training and re-assessment; a "
            "year is the usual period."
        ),
    ),
    "export_personal_info": (
        _l("Export personal information"),
        _l(
            "Exports show the content of items flagged for personal information. Off: their "
            "content is masked and the item is marked personal_info."
        ),
        _l(
            "Default off: Art. 7 of the Interim Measures requires consent or another lawful "
            "basis for personal information; turn it on only when you have one."
        ),
    ),
    "responsible_person": (
        _l("Responsible person"),
        _l(
            "The person who answers for this project's annotation work, named on the first "
            "page of the compliance dossier."
        ),
        _l(
            "Art. 8 of the Interim Measures makes the provider answer for its annotation; an "
            "inspector reading the dossier needs to know whom to ask. Empty: the dossier "
            "states it as a gap."
        ),
    ),
    "time_zone": (
        _l("Time zone"),
        _l(
            "IANA time zone (e.g. Asia/Shanghai, Europe/Berlin) in which the dossier shows "
            "times and reads its --from/--to dates."
        ),
        _l(
            "Default Asia/Shanghai: times are stored in UTC; the dossier shows them in the "
            "project's local time with the offset, so an inspector reads them as they happened."
        ),
    ),
    "gold_candidate_min_k": (
        _l("Gold candidates: unanimous with at least"),
        _l(
            "Items whose current annotations all agree, with at least this many (3 or more), "
            "are listed as candidates for gold; a manager promotes them."
        ),
        _l("Default 3: three independent agreeing answers; a convention, no standard sets it."),
    ),
    "gold_candidate_min_posterior": (
        _l("Gold candidates: Dawid-Skene posterior above"),
        _l(
            "Items whose likeliest answer under the Dawid-Skene model is more probable than "
            "this are candidates too (single-label and pairwise projects)."
        ),
        _l("Default 0.99: a convention; no standard sets it."),
    ),
    "attention_rate": (
        _l("Attention check rate"),
        _l(
            "Share (0-1) of each annotator's queue made of attention checks (items with an "
            "obvious answer); 0 turns them off."
        ),
        _l("Default 0 (off): a convention; 0.02 to 0.05 is usual."),
    ),
    "attention_min_checks": (
        _l("Attention checks before judging"),
        _l("How many attention checks an annotator answers before the thresholds apply."),
        _l("Default 5: a convention; no standard sets it."),
    ),
    "attention_warn_below": (
        _l("Attention: warn below"),
        _l(
            "Share of attention checks answered right below which the annotator and the "
            "managers see a warning."
        ),
        _l("Default 0.9 (90 %): a convention; no standard sets it."),
    ),
    "attention_block_below": (
        _l("Attention: block below"),
        _l(
            "Share of attention checks answered right below which the annotator is blocked "
            "until a manager unblocks them."
        ),
        _l("Default 0.7 (70 %): a convention; no standard sets it."),
    ),
    "erase_free_text": (
        _l("Erasure empties free text"),
        _l(
            "When a person's data is erased, the free text they wrote in this project (review "
            "comments, flag notes, skip reasons, feedback, reasons) is emptied too."
        ),
        _l(
            "Default on: PIPL Art. 47 and Art. 11 of the Interim Measures give people the right "
            "to have their personal information deleted. Turn it off while that text is evidence "
            "that must be kept; annotations and reviews stay under a pseudonym either way."
        ),
    ),
}
