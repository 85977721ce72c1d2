"""Which questions one quiz attempt asks, in which order, with its choices in which order.

Every attempt draws from a seed: ``quiz_length`` questions of the module's pool (all of them
when the module sets no length or the pool is not larger), in a shuffled order, each with its
choices shuffled. The same seed and pool always give the same draw, so the attempt records
only the seed and the order it produced, and grading re-draws from the seed instead of
trusting the form. Choices keep their stored index as their value: the answer key never
moves, only what is shown first.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from annotate.models import QuizQuestion, TrainingModule

#: Seeds are below 2**53 so that JSON, JavaScript and BIGINT all hold them exactly.
SEED_BITS = 53


@dataclass(frozen=True)
class DrawnQuestion:
    """A question as one attempt asks it: ``order`` lists stored choice indexes as shown."""

    question: QuizQuestion
    order: tuple[int, ...]

    @property
    def shown_choices(self) -> list[tuple[int, str]]:
        """``(stored index, text)`` of each choice in the order shown."""
        return [(i, str(self.question.choices[i])) for i in self.order]


def new_seed() -> int:
    """A fresh random seed for an attempt."""
    return secrets.randbits(SEED_BITS)


def draw(module: TrainingModule, seed: int) -> list[DrawnQuestion]:
    """The questions (and choice orders) the attempt with ``seed`` asks."""
    rng = random.Random(seed)
    pool = sorted(module.questions, key=lambda q: (q.position, q.key))
    length = module.quiz_length
    count = len(pool) if not length or length >= len(pool) else length
    chosen = rng.sample(pool, count)
    drawn = []
    for question in chosen:
        order = list(range(len(question.choices)))
        rng.shuffle(order)
        drawn.append(DrawnQuestion(question, tuple(order)))
    return drawn


def unshuffled(module: TrainingModule) -> list[DrawnQuestion]:
    """Every question in stored order (attempts made before shuffling, and callers that
    submit without a seed)."""
    return [
        DrawnQuestion(q, tuple(range(len(q.choices))))
        for q in sorted(module.questions, key=lambda q: (q.position, q.key))
    ]


def recorded_order(drawn: list[DrawnQuestion]) -> list[list[object]]:
    """What the attempt stores: ``[[question key, [choice order]], ...]``."""
    return [[d.question.key, list(d.order)] for d in drawn]
