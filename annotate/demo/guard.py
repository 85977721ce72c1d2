"""What ``annotate demo`` may wipe: an empty database or one it seeded itself.

The demo marks the databases it builds: the first event of their audit chain is
:data:`DEMO_MARKER`, written before anything else. A database is the demo's own when its chain
starts with that event; it is empty when it has no tables but annotate's (and Alembic's) and
none of them holds a row. Anything else — another application's tables, users, items, audit
events that do not start with the marker — belongs to someone, and the demo refuses to touch it
unless the operator repeats the database's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from annotate.database import db
from annotate.models.search import FTS_TABLE

#: The action of the audit event that opens every chain the demo seeds.
DEMO_MARKER = "demo.seed"
#: Tables counted in a refusal, so the operator sees what would have been lost.
_SHOWN = ("users", "projects", "items", "annotations", "audit_events")


@dataclass(frozen=True)
class DatabaseState:
    """What a database holds: ``kind`` is ``empty``, ``demo`` or ``foreign``."""

    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    other_tables: tuple[str, ...] = ()

    def describe(self) -> str:
        """A short list of what is in the database (for the refusal)."""
        parts = [f"{n} {name}" for name, n in self.counts.items() if n and name in _SHOWN]
        if self.other_tables:
            shown = ", ".join(self.other_tables[:5])
            more = "…" if len(self.other_tables) > 5 else ""
            parts.append(f"tables annotate does not know: {shown}{more}")
        rows = sum(n for name, n in self.counts.items() if name not in _SHOWN)
        if rows:
            parts.append(f"{rows} other rows")
        return ", ".join(parts) or "data"


#: Tables that hold no one's data: the audit chain's head row, which ``annotate init`` seeds
#: with the genesis hash, is there in a fresh database.
BOOKKEEPING = {"audit_head"}


def inspect_database(engine: sa.Engine) -> DatabaseState:
    """Say whether the database behind ``engine`` is empty, the demo's own, or someone's."""
    tables = set(sa.inspect(engine).get_table_names())
    ours = set(db.metadata.tables) | {"alembic_version"}
    # SQLite's full-text index of the items and its shadow tables (annotate.models.search)
    other = tuple(sorted(t for t in tables - ours if not t.startswith(f"{FTS_TABLE}")))
    with engine.connect() as connection:
        if not other and "audit_events" in tables:
            first = connection.execute(
                sa.text("SELECT action FROM audit_events ORDER BY id LIMIT 1")
            ).scalar()
            if first == DEMO_MARKER:
                return DatabaseState("demo")
        counts = {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(sa.table(name))
            ).scalar_one()
            for name in sorted(tables & set(db.metadata.tables) - BOOKKEEPING)
        }
    if other or any(counts.values()):
        return DatabaseState("foreign", counts, other)
    return DatabaseState("empty", counts)


def database_name(url: sa.URL) -> str:
    """The name to repeat: the database's for a server, the file's for SQLite."""
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "").name or ":memory:"
    return url.database or ""


def _accepted_names(url: sa.URL) -> set[str]:
    names = {database_name(url)}
    if url.get_backend_name() == "sqlite" and url.database:
        names |= {url.database, str(Path(url.database).resolve())}
    return names


def wipe_refusal(engine: sa.Engine, force_name: str | None) -> str | None:
    """Why the demo must not rebuild this database (None: it may).

    ``force_name`` is the name the operator repeated with ``--force-wipe-database``; it lets
    the demo wipe a database that is neither empty nor its own, if it names this database.
    """
    url = engine.url
    shown = url.render_as_string(hide_password=True)
    name = database_name(url)
    if force_name is not None and force_name not in _accepted_names(url):
        return (
            f"--force-wipe-database {force_name!r} does not name the demo's database "
            f"{shown} (its name is {name!r}); nothing was changed."
        )
    state = inspect_database(engine)
    if state.kind != "foreign" or force_name is not None:
        return None
    return (
        f"Refusing to wipe {shown}: it holds {state.describe()}, not annotate demo's own "
        f"data. Point ANNOTATE_DATABASE_URL at another database (or unset it to use "
        f"instance/demo.sqlite), or repeat the database's name to wipe it anyway: "
        f"--force-wipe-database {name}"
    )
