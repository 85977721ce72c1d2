"""Demo projects for the other labeling screens: pairwise helpfulness and named entities.

Each gets a published rulebook from ``guidelines/``, a few dozen generated items (some gold),
the demo annotators as members with valid qualifications, and no annotations yet — so every
screen has real work waiting.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

from annotate.database import Session, utcnow
from annotate.models import Batch, Item, Project, ProjectRole, Qualification, TaskType, User
from annotate.services.accounts.users import add_membership
from annotate.services.projects.projects import create_project
from annotate.services.projects.values import content_hash
from annotate.services.training.publishing import import_path, publish_with_training

from .span_annotations import annotate_spans

_FACTS = [
    (
        "What is the capital of Australia?",
        "Canberra is the capital of Australia.",
        "Sydney is the capital of Australia; it is the largest and best-known city.",
    ),
    (
        "How many minutes are there in a day?",
        "There are 1,440 minutes in a day (24 × 60).",
        "A day has 1,200 minutes.",
    ),
    ("What is 15 % of 240?", "15 % of 240 is 36.", "It is 32, because 10 % is 24 and 5 % is 8."),
    (
        "At what temperature does water boil at sea level, in °C?",
        "At 100 °C.",
        "Water boils at about 90 °C at sea level.",
    ),
    ("Translate 'thank you' into Chinese.", "谢谢 (xièxie).", "你好 (nǐ hǎo)."),
    ("Which planet is closest to the Sun?", "Mercury.", "Venus, the hottest planet."),
    (
        "How do I stop a hanging Python process on Linux?",
        "Press Ctrl+C, or find its id with `pgrep python` and run `kill <pid>`.",
        "I can't help with killing anything.",
    ),
    (
        "Give me one tip for a job interview.",
        "Prepare two short stories that show how you solved a real problem.",
        "Be yourself.",
    ),
]
_PEOPLE = [
    "Zhang Wei",
    "Li Na",
    "Chen Jing",
    "Wang Fang",
    "Liu Yang",
    "Maria Lopez",
    "Ahmed Khan",
    "Sofia Rossi",
]
_ORGS = [
    "Tsinghua University",
    "Huawei",
    "Alibaba",
    "the World Health Organization",
    "Fudan University",
    "Siemens",
    "the Red Cross",
    "Tencent",
]
_PLACES = ["Beijing", "Shanghai", "Shenzhen", "Wuhan", "Paris", "Nairobi", "Chengdu", "Hangzhou"]
_SENTENCES = [
    ("{PER} joined {ORG} in {LOC} last spring.", ("PER", "ORG", "LOC")),
    ("{ORG} opened a new research centre in {LOC}.", ("ORG", "LOC")),
    ("Dr {PER} spoke at {ORG} on Tuesday.", ("PER", "ORG")),
    ("Floods hit {LOC} after days of heavy rain.", ("LOC",)),
    ("{PER} and {PER2} met in {LOC} to sign the agreement.", ("PER", "PER2", "LOC")),
    ("The weather was mild and the markets were quiet.", ()),
]


class _Span(TypedDict):
    start: int
    end: int
    label: str


#: An item's payload and its gold answer (None for most items).
_DemoItem = tuple[dict[str, str], object]


def _pairwise_items(rng: random.Random, n: int) -> list[_DemoItem]:
    items: list[_DemoItem] = []
    for index in range(n):
        prompt, good, bad = _FACTS[index % len(_FACTS)]
        good_first = rng.random() < 0.5
        payload = {
            "prompt": prompt,
            "response_a": good if good_first else bad,
            "response_b": bad if good_first else good,
            "source": f"demo pair {index + 1} (CC0-1.0)",
        }
        gold = {"choice": "A" if good_first else "B"} if index % 8 == 0 else None
        items.append((payload, gold))
    return items


def _ner_items(rng: random.Random, n: int) -> tuple[list[_DemoItem], list[list[_Span]]]:
    """The items (gold on every sixth) and every item's true spans."""
    items: list[_DemoItem] = []
    truths: list[list[_Span]] = []
    for index in range(n):
        template, _ = _SENTENCES[index % len(_SENTENCES)]
        people = rng.sample(_PEOPLE, 2)
        values = {
            "PER": people[0],
            "PER2": people[1],
            "ORG": rng.choice(_ORGS),
            "LOC": rng.choice(_PLACES),
        }
        text = ""
        spans: list[_Span] = []
        for part in template.replace("}", "{").split("{"):
            if part in values:
                label = "PER" if part == "PER2" else part
                spans.append(
                    {"start": len(text), "end": len(text) + len(values[part]), "label": label}
                )
                text += values[part]
            else:
                text += part
        for span in spans:  # "the Red Cross": the article stays outside the span (R1.1)
            if text[span["start"] : span["end"]].startswith("the "):
                span["start"] += 4
        payload = {"text": text, "source": f"demo sentence {index + 1} (CC0-1.0)"}
        items.append((payload, spans if index % 6 == 1 else None))
        truths.append(spans)
    return items, truths


def _project(
    session: Session,
    slug: str,
    name: str,
    task: TaskType,
    guidelines: Path,
    users: dict[str, User],
    items: list[_DemoItem],
    description: str,
    *,
    redundancy_k: int,
    overlap_share: float,
    gold_rate: float,
) -> Project:
    admin, manager = users["admin"], users["manager"]
    project = create_project(
        session,
        slug,
        name,
        task,
        labels=["x"] if task != TaskType.pairwise else None,
        actor=admin,
        description=description,
        redundancy_k=redundancy_k,
        overlap_share=overlap_share,
        gold_rate=gold_rate,
    )
    for username, role in (
        ("manager", ProjectRole.manager),
        ("reviewer", ProjectRole.reviewer),
        ("ann1", ProjectRole.annotator),
        ("ann2", ProjectRole.annotator),
        ("ann3", ProjectRole.annotator),
    ):
        add_membership(session, users[username], project, role, actor=admin)
    drafts = import_path(session, guidelines, project, actor=manager)
    version = publish_with_training(session, drafts.versions[0], actor=manager)
    project.label_schema = {"labels": version.front_matter["labels"]}
    now = utcnow()
    for username in ("ann1", "ann2", "ann3"):
        session.add(
            Qualification(
                user_id=users[username].id,
                project_id=project.id,
                rulebook_version_id=version.id,
                granted_at=now,
                expires_at=now + timedelta(days=365),
            )
        )
    batch = Batch(
        project_id=project.id,
        name=f"{slug}-2026-11",
        source="demo generator",
        licence="CC0-1.0",
        imported_by_id=admin.id,
    )
    session.add(batch)
    session.flush()
    for index, (payload, gold) in enumerate(items):
        session.add(
            Item(
                project_id=project.id,
                batch_id=batch.id,
                external_id=f"{slug}-{index + 1:03d}",
                payload=payload,
                content_hash=content_hash(payload),
                gold_answer=gold,
            )
        )
    session.flush()
    return project


def seed_task_projects(
    session: Session,
    guidelines: Path,
    users: dict[str, User],
    *,
    seed: int = 20231115,
    n_items: int = 36,
) -> list[Project]:
    """Add the pairwise and span demo projects (no commit)."""
    rng = random.Random(seed + 5)
    pairwise = _pairwise_items(rng, n_items)
    ner_items, ner_truth = _ner_items(rng, n_items)
    projects = [
        _project(
            session,
            "helpfulness",
            "Assistant helpfulness (pairwise demo)",
            TaskType.pairwise,
            guidelines / "helpfulness" / "v1.0.0.md",
            users,
            pairwise,
            "Choose the more helpful of two responses.",
            redundancy_k=2,
            overlap_share=0.5,
            gold_rate=0.1,
        ),
        _project(
            session,
            "ner",
            "Named entities (span demo)",
            TaskType.span,
            guidelines / "ner" / "v1.0.0.md",
            users,
            ner_items,
            "Mark person, organisation and place names.",
            redundancy_k=2,
            overlap_share=0.5,
            gold_rate=0.1,
        ),
    ]
    annotate_spans(session, projects[1], users, ner_truth, random.Random(seed + 7))
    return projects
