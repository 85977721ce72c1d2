"""URL converters: an ``int`` that only matches ids a database column can hold.

Werkzeug's ``int`` converter accepts any number of digits, so ``/…/2147483648`` reached the
view and PostgreSQL refused the query (``integer out of range``: a 500). Our ids are 32-bit
``INTEGER`` columns on every database, so the app's ``int`` stops at ``2**31 - 1`` and a
larger id simply does not match the route: 404, like any id that does not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map, ValidationError

#: The largest value of a signed 32-bit ``INTEGER`` column (PostgreSQL, SQLite's ids alike).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` bounded to ``0..MAX_ID`` unless a rule asks for another ``max``."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> Any:
        # A digit string longer than any id is refused before int() reads it (beyond 4,300
        # digits int() itself raises ValueError, which Werkzeug would let through as a 500).
        if len(value.lstrip("-0")) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Make :class:`IdConverter` the app's ``int`` (before any blueprint adds its rules)."""
    app.url_map.converters["int"] = IdConverter
