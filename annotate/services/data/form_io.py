"""Files of ``form`` projects (several questions per item): one column or control per question.

- **CSV in**: gold and attention answers come one column per question, ``gold.<question>`` and
  ``attention.<question>`` (a cell as a one-question project's ``gold`` cell: a label key, a
  number, ``a|b`` or JSON); an empty cell leaves the question out (a gold item may fix only some
  questions).
- **CSV out**: after the usual columns, ``gold.<question>`` and ``consensus.<question>`` per
  question, in the form's order, so an export reads back in as gold.
- **Label Studio**: each control is a question: a result's ``from_name`` is the question's key
  and its ``to_name`` the field it applies to (``text`` for the whole item), so a Label Studio
  project with several controls round-trips.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotate.models import Project, TaskType
from annotate.services.data import labelstudio
from annotate.services.data.formats import csv_gold
from annotate.services.problems import problem
from annotate.services.projects.questions import Question, questions_of

#: The column prefixes of per-question answers in CSV files.
PREFIXES = ("gold", "attention", "consensus")


def csv_columns(project: Project) -> list[str]:
    """The per-question columns a ``form`` project's CSV export adds, in order."""
    keys = [q.key for q in questions_of(project)]
    return [f"gold.{k}" for k in keys] + [f"consensus.{k}" for k in keys]


def csv_cells(project: Project, gold: Any, consensus: Any) -> list[Any]:
    """The values of :func:`csv_columns` for an item (None where unanswered)."""
    keys = [q.key for q in questions_of(project)]
    gold = gold if isinstance(gold, Mapping) else {}
    consensus = consensus if isinstance(consensus, Mapping) else {}
    return [gold.get(k) for k in keys] + [consensus.get(k) for k in keys]


def take_csv_answers(
    project: Project, payload: dict[str, Any], prefix: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """Remove the ``<prefix>.<question>`` cells of a CSV record from ``payload`` and return
    them as one answers object (None when every cell is empty), with the problems (a column
    naming no question)."""
    questions = {q.key: q for q in questions_of(project)}
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for column in [c for c in payload if c.startswith(f"{prefix}.")]:
        raw = payload.pop(column)
        key = column[len(prefix) + 1 :]
        if key not in questions:
            problems.append(f"{column}: {problem('not_a_question', key=repr(key))}")
        elif isinstance(raw, str) and raw.strip():
            answers[key] = _cell(questions[key], raw)
    return (answers or None), problems


def _cell(question: Question, raw: str) -> Any:
    value = csv_gold(question.type, raw)
    if question.type == TaskType.pairwise and isinstance(value, str):
        return {"choice": value}
    return value


def answers_from_results(project: Project, results: Any) -> tuple[Any, str | None]:
    """A Label Studio ``result`` list of a ``form`` project as a raw answers object: the
    results are grouped by control (``from_name``), each control being a question."""
    if not isinstance(results, list):
        return None, "result: must be a list"
    questions = {q.key: q for q in questions_of(project)}
    grouped: dict[str, list[Any]] = {}
    for result in results:
        name = str(result.get("from_name")) if isinstance(result, dict) else ""
        grouped.setdefault(name, []).append(result)
    unknown = [name for name in grouped if name not in questions]
    if unknown:
        names, choices = ", ".join(map(repr, unknown)), ", ".join(questions)
        return None, f"result: {problem('not_a_control', names=names, choices=choices)}"
    answers: dict[str, Any] = {}
    for key, group in grouped.items():
        value, bad = labelstudio.value_from_results(questions[key].type, group)
        if bad:
            return None, f"{key}: {bad}"
        if questions[key].type == TaskType.pairwise and not value.get("reason"):
            value = {"choice": value["choice"]}
        answers[key] = value
    return answers, None


def results_from_answers(project: Project, value: Any) -> list[dict[str, Any]]:
    """A ``form`` project's answers as a Label Studio ``result`` list, one control each."""
    if not isinstance(value, Mapping):
        return []
    out: list[dict[str, Any]] = []
    for question in questions_of(project):
        if question.key not in value:
            continue
        for result in labelstudio.results_from_value(question.type, value[question.key]):
            out.append(
                {
                    **result,
                    "id": f"{question.key}-{len(out)}",
                    "from_name": question.key,
                    "to_name": question.applies_to or labelstudio.TO_NAME,
                }
            )
    return out


def value_from_results(project: Project, results: Any) -> tuple[Any, str | None]:
    """A Label Studio ``result`` list as a raw value of ``project`` (any task type)."""
    if project.task_type == TaskType.form:
        return answers_from_results(project, results)
    return labelstudio.value_from_results(project.task_type, results)


def results_from_value(project: Project, value: Any) -> list[dict[str, Any]]:
    """A value of ``project`` (any task type) as a Label Studio ``result`` list."""
    if project.task_type == TaskType.form:
        return results_from_answers(project, value)
    return labelstudio.results_from_value(project.task_type, value)
