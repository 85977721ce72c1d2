"""Problems found in input (an import file, a request) as catalogue messages with parameters.

A problem reads ``where: field: reason`` — ``line 3: text: required for single_label items``.
Its *reason* is built by :func:`problem` from a msgid of :data:`PROBLEMS` and plain
parameters, so the English text is stable: the API, the CLI and stored job results carry it
unchanged, and scripts may match it. Pages show it in the reader's language: the
``problem`` filter (:mod:`annotate.problem_text`) finds the msgid a reason was built from,
takes its parameters back and renders the translation, locations (``line 3``) included.
"""

from __future__ import annotations

from typing import Any

#: code → English msgid (``%(name)s`` placeholders only; translated in messages.po).
PROBLEMS: dict[str, str] = {
    # payloads and values (services/projects/values.py)
    "object": "must be an object",
    "required_for": "required for %(task)s items",
    "string": "must be a string",
    "not_a_label": "%(value)s is not a label of this project (one of %(choices)s)",
    "label_list": "must be a non-empty list of label keys",
    "not_in_schema": "%(values)s not in the label schema (%(choices)s)",
    "nonempty_text": "must be a non-empty text",
    "too_long": "longer than %(n)s characters",
    "not_a_number": "%(value)s is not a number",
    "number": "must be a number",
    "off_scale": "%(value)s is outside the scale %(low)s-%(high)s",
    "off_step": "%(value)s is not on the scale's steps of %(step)s",
    "choice_object": "must be an object with a choice",
    "not_one_of": "%(value)s is not one of %(choices)s",
    "text": "must be a text",
    "span_list": "must be a list of {start, end, label} spans",
    "span_object": "must be an object with start, end and label",
    "span_integers": "start and end must be integers",
    "span_outside": "%(start)s-%(end)s is outside the text (0-%(length)s) or empty",
    "span_label": "label %(label)s is not in the schema (%(choices)s)",
    "span_twice": "span %(span)s is marked twice",
    "span_overlap": "spans %(first)s and %(second)s overlap",
    # text and files (services/data/formats.py)
    "nul": "contains a NUL character (\\u0000)",
    "surrogate": "contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode",
    "not_utf8": "not UTF-8 text (%(reason)s at byte %(byte)s)",
    "too_deep": "nested deeper than %(n)s levels (the limit)",
    "bad_key": "a key %(problem)s",
    "big_integer": "an integer beyond 64 bits",
    "nan": "NaN and Infinity are not numbers JSON can carry",
    "json_object": "must be a JSON object",
    "bad_json": "malformed JSON (%(detail)s at column %(column)s)",
    "no_items": "the file holds no items (it is empty or has only a header row)",
    "csv_header": "the CSV file needs a header row",
    "column_name": "a column name %(problem)s",
    "more_cells": "more cells than header columns",
    "csv_unclosed": "malformed CSV (a quoted cell opened in this row is never closed)",
    "bad_csv": "malformed CSV (%(detail)s)",
    "ls_list": "Label Studio JSON must be a list of tasks",
    "ls_data": "each task needs a 'data' object",
    "list": "must be a list",
    # records (services/data/imports.py, inserts.py, labelstudio.py, predictions)
    "two_predictions": "two predictions of %(model)s %(version)s (one per model version and item)",
    "true_false": "must be true or false",
    "id_text": "must be a non-empty text of at most 255 characters",
    "gold_or_attention": "an item is gold or an attention check",
    "same_annotator": (
        "a second annotation by the same annotator (one current annotation per annotator and item)"
    ),
    "id_twice": "%(id)s is used twice in this file",
    "id_twice_at": "%(id)s is used twice in this file (first at %(first)s)",
    "id_other_content": "%(id)s already exists with different content",
    "one_choice": "expected exactly one choice",
    "no_choices": "no choices",
    "no_rating": "no rating",
    "no_text": "no text",
    "no_pairwise": "no pairwise choice",
    "not_json_object": "not a JSON object",
    "model_name": "a model name of 1-200 characters is required",
    "model_version": "a version of 1-100 characters is required",
    "score": "must be a number from 0 to 1",
    "item_id_required": "the item's id is required",
    "no_item": "no item %(id)s in this project",
    "no_prediction": "none given (a prediction object, or model, version, value and score)",
    "prediction_exists": (
        "item %(id)s already has a prediction of %(model)s %(version)s (import a new version)"
    ),
    "prediction_twice": (
        "item %(id)s and %(model)s %(version)s twice in this file (first at %(first)s)"
    ),
    # several questions per item (services/projects/values.py, services/data/form_io.py)
    "answers_object": "must be an object of answers keyed by question",
    "no_question": "no such question",
    "required": "required",
    "not_asked": "not asked (its condition is not met)",
    "not_a_question": "%(key)s is not a question of this project",
    "not_a_control": "control %(names)s is not a question of this project (%(choices)s)",
    "both_cells": "both a whole-value cell and per-question %(prefix)s.* cells",
    # filters (services/data/browse.py)
    "one_of": "one of %(choices)s",
    "at_most": "at most %(n)s characters",
    # rulebook sources (services/rulebooks/parsing.py, versions.py, translations.py)
    "not_a_rulebook": "not a rulebook",
    "bad_front_matter": "bad front matter",
    "rulebook_refused": "rulebook refused",
    "draft_refused": "draft refused",
    "translation_refused": "translation refused",
    "no_front_matter": "missing YAML front matter (a first line '---')",
    "front_matter_open": "front matter is not closed by '---'",
    "yaml_error": "YAML error: %(detail)s",
    "front_matter_mapping": "front matter must be a mapping",
    "lacks_key": "front matter lacks '%(key)s'",
    "not_semantic": "version %(version)s is not semantic (MAJOR.MINOR.PATCH)",
    "bad_kind": "kind must be functional, security or legal, not %(kind)s",
    "bad_language": "language must be one of %(choices)s, not %(language)s",
    "clause_outside": "clause %(key)s is outside '## Clauses'",
    "clause_twice": "duplicate clause key %(key)s",
    "missing_section": "missing required section '## %(name)s'",
    "no_clauses": "no numbered clauses ('### R1.1 Title') under '## Clauses'",
    "id_stays": "id must stay %(id)s",
    "version_stays": "version must stay %(version)s",
    "version_stays_draft": "version must stay %(version)s; start a new draft for another version",
    "language_is": "language must be %(language)s",
    "version_exists": "version %(version)s of rulebook %(key)s already exists in %(project)s.",
    # quiz files (services/rulebooks/quizzes.py)
    "quiz_refused": "quiz refused",
    "quiz_translation_refused": "quiz translation refused",
    "quiz_yaml": "YAML error",
    "quiz_mapping": "a quiz must be a mapping",
    "quiz_lacks": "quiz lacks '%(key)s'",
    "quiz_rulebook": "quiz is for rulebook %(found)s, not %(expected)s",
    "quiz_version": "quiz is for version %(found)s, not %(expected)s",
    "pass_mark": "pass_mark must be a number in (0, 1]",
    "questions_list": "'questions' must be a non-empty list",
    "question_mapping": "question %(n)s is not a mapping",
    "question_lacks": "question %(n)s lacks %(keys)s",
    "question_twice": "duplicate question key %(key)s",
    "two_choices": "question %(key)s needs at least two choices",
    "answer_index": "question %(key)s: answer must be an index 0-%(last)s",
    "cites_unknown": "question %(key)s cites clause %(clause)s, which is not in the rulebook",
    "quiz_questions": "the questions must be those of the primary quiz, in order",
    "quiz_question": (
        "question %(key)s must cite the same clause and have as many choices and the same "
        "answer as the primary quiz"
    ),
    # a translation against its primary text (services/rulebooks/languages.py)
    "same_language": (
        "a translation must be in another language than its primary text (%(language)s)"
    ),
    "unsupported_language": "language %(language)s is not supported",
    "shared_key": "%(key)s must be %(value)s as in %(primary)s, not %(other)s",
    "label_keys": "the label keys must be those of %(primary)s",
    "clause_keys": "the clauses must be those of %(primary)s in the same order",
    "clause_keys_missing": (
        "the clauses must be those of %(primary)s in the same order; missing %(missing)s"
    ),
    "clause_keys_extra": (
        "the clauses must be those of %(primary)s in the same order; "
        "not in the primary text %(extra)s"
    ),
    "clause_keys_both": (
        "the clauses must be those of %(primary)s in the same order; missing %(missing)s; "
        "not in the primary text %(extra)s"
    ),
    "decides_differently": (
        "clause %(key)s decides differently from %(primary)s (the labels its examples lead to)"
    ),
    # whole imports: the message above the list of problems
    "refused": "%(n)s problem(s) in %(refused)s of %(read)s record(s); nothing was imported.",
    "nothing_imported": "Nothing was imported.",
}

#: Where a problem is: ``line 3``, ``task 2``, the whole ``file`` (translated on pages).
LOCATIONS: dict[str, str] = {
    "line": "line %(n)s",
    "task": "task %(n)s",
    "file": "file",
}


def problem(code: str, **params: Any) -> str:
    """The English reason ``code`` with ``params`` (the stable form the API returns).

    :raises KeyError: an unknown code (a programming error, not bad input).
    """
    return PROBLEMS[code] % params if params else PROBLEMS[code]
