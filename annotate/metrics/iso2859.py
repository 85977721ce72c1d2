"""ISO 2859-1 / ANSI Z1.4 single sampling plans for normal inspection.

Table I (sample size code letters) is stored as printed. Table II-A (normal single sampling,
master table) is stored by its construction, which the printed table follows exactly: the cell
for code letter row ``r`` (A = 0 … R = 15) and AQL column ``c`` (0.010 = 0 … 1000 = 25) depends
on the diagonal ``s = r + c``:

* ``s < 14`` ↓; ``s = 14`` Ac 0 Re 1; ``s = 15`` ↑; ``s = 16`` ↓;
* ``s = 17 … 24`` → 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15, 21/22;
* ``s = 25, 26`` → 30/31, 44/45 for letters A–E only; otherwise, and for ``s ≥ 27``, ↑.

The edges have no row beyond them: row A's ``s = 15`` cell is resolved downwards and row R's
``s = 16`` cell upwards. Arrows are followed to the first plan below (↓) or above (↑), and
the sample size is that plan's row. When the sample size reaches the lot size, the whole lot
is inspected (``sample_size`` is capped at the lot size, ``full_inspection`` is set).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import checks

CODE_LETTERS = "ABCDEFGHJKLMNPQR"
SAMPLE_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
AQLS = (
    0.010,
    0.015,
    0.025,
    0.040,
    0.065,
    0.10,
    0.15,
    0.25,
    0.40,
    0.65,
    1.0,
    1.5,
    2.5,
    4.0,
    6.5,
    10.0,
    15.0,
    25.0,
    40.0,
    65.0,
    100.0,
    150.0,
    250.0,
    400.0,
    650.0,
    1000.0,
)
INSPECTION_LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

# Table I: upper bound of the lot-size range → code letters for S-1 S-2 S-3 S-4 I II III.
TABLE_I: tuple[tuple[int | None, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

_PLANS = {
    14: (0, 1),
    17: (1, 2),
    18: (2, 3),
    19: (3, 4),
    20: (5, 6),
    21: (7, 8),
    22: (10, 11),
    23: (14, 15),
    24: (21, 22),
    25: (30, 31),
    26: (44, 45),
}


@dataclass(frozen=True)
class SamplingPlan:
    """A single sampling plan: inspect ``sample_size`` units, accept the lot with ≤ ``accept``
    nonconforming, reject with ≥ ``reject``. ``code_letter`` is the letter Table I gives for
    the lot; ``plan_code_letter`` the row of Table II-A the plan was read from after
    following the arrows (its sample size is ``table_sample_size``)."""

    lot_size: int
    aql: float
    inspection_level: str
    code_letter: str
    plan_code_letter: str
    sample_size: int
    table_sample_size: int
    accept: int
    reject: int
    full_inspection: bool


def code_letter(lot_size: int, inspection_level: str = "II") -> str:
    """Table I: the sample size code letter for a lot size and inspection level.

    :raises ValueError: for a lot size below 2 or an unknown inspection level.
    """
    if inspection_level not in INSPECTION_LEVELS:
        raise ValueError(
            f"inspection level must be one of {INSPECTION_LEVELS}, not {inspection_level!r}"
        )
    lot_size = checks.count("lot_size", lot_size, minimum=2)
    col = INSPECTION_LEVELS.index(inspection_level)
    for upper, letters in TABLE_I:
        if upper is None or lot_size <= upper:
            return letters[col]
    raise AssertionError("unreachable")


def table_cell(letter: str, aql: float) -> tuple[int, int] | str:
    """Table II-A cell: ``(Ac, Re)``, ``"down"`` or ``"up"``."""
    r = CODE_LETTERS.index(letter)
    s = r + _aql_index(aql)
    if s in _PLANS and (s <= 24 or r <= 4):
        return _PLANS[s]
    if s == 15:
        return "down" if r == 0 else "up"
    if s < 14 or s == 16:
        return "up" if r == len(CODE_LETTERS) - 1 else "down"
    return "up"


def _aql_index(aql: float) -> int:
    aql = checks.real("aql", aql, low=0, open_low=True)
    for i, a in enumerate(AQLS):
        if abs(a - aql) <= 1e-9 * max(1.0, a):
            return i
    raise ValueError(
        f"AQL {aql} is not a standard value; use one of {', '.join(f'{a:g}' for a in AQLS)}"
    )


def single_sampling_plan(lot_size: int, aql: float, inspection_level: str = "II") -> SamplingPlan:
    """ISO 2859-1 normal inspection, single sampling: lot size → code letter → n, Ac, Re.

    :raises ValueError: for a lot size below 2 or not an integer, a non-standard (or NaN)
        AQL or an unknown level.
    """
    lot_size = checks.count("lot_size", lot_size, minimum=2)
    first = code_letter(lot_size, inspection_level)
    _aql_index(aql)
    r = CODE_LETTERS.index(first)
    cell = table_cell(first, aql)
    while not isinstance(cell, tuple):
        r += 1 if cell == "down" else -1
        cell = table_cell(CODE_LETTERS[r], aql)
    n = SAMPLE_SIZES[r]
    return SamplingPlan(
        lot_size=lot_size,
        aql=aql,
        inspection_level=inspection_level,
        code_letter=first,
        plan_code_letter=CODE_LETTERS[r],
        sample_size=min(n, lot_size),
        table_sample_size=n,
        accept=cell[0],
        reject=cell[1],
        full_inspection=n >= lot_size,
    )
