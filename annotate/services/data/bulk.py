"""The import's hot-path helpers, kept apart from its rules: a canonical-JSON encoder built
once, a pre-filter of keys this import already inserted, a rarer cycle collector and a larger
SQLite page cache while a bulk import runs, the chunked look-ups of items already in the
project, and the rows' insert (COPY on PostgreSQL). See ``bench/import.py`` for the figures
they buy.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Item, Project
from annotate.models.items import content_key
from annotate.services.projects.values import canonical_json

#: Rows per ``IN (...)`` look-up (well below every driver's parameter limit).
LOOKUP_CHUNK = 900
#: Bits of each duplicate pre-filter of a first import (4 MiB each, whatever the file size).
BLOOM_BITS = 1 << 25
#: SQLite page cache of the import's connection, in KiB (64 MiB).
SQLITE_CACHE_KIB = 65536
#: Python's cycle-collector thresholds while an import runs (the default is (700, 10, 10)).
BULK_GC_THRESHOLDS = (100_000, 50, 100)


def canonical_encoder() -> Callable[[Any], str]:
    """:func:`canonical_json` without its per-call set-up: the C encoder built once, with no
    circular-reference bookkeeping (a parsed JSON document cannot be circular). Checked
    against :func:`canonical_json` at import; falls back to a reusable encoder."""
    fallback = json.JSONEncoder(
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False
    ).encode
    try:
        # The C accelerator is private to json, so typeshed does not declare it.
        from json.encoder import (  # type: ignore[attr-defined]
            c_make_encoder,
            encode_basestring,
        )

        make = c_make_encoder(None, None, encode_basestring, None, ":", ",", True, False, True)
    except (ImportError, TypeError):
        return fallback

    def encode(payload: Any) -> str:
        return "".join(make(payload, 0))

    sample = {"b": [1.5, None, True, {"z": 'é\u2028"', "y": []}], "a": 10**20}
    return encode if encode(sample) == canonical_json(sample) else fallback


@contextmanager
def bulk_mode(session: Session) -> Iterator[None]:
    """The import's settings while it runs, restored after it, failed or not.

    * Python's cycle collector runs rarely: the objects alive before the import (the app, its
      modules) are set aside (:func:`gc.freeze`) and the thresholds raised to
      :data:`BULK_GC_THRESHOLDS`. An import allocates millions of short-lived containers
      (parsed records, rows) that hold no cycles; with the default thresholds the collector
      ran every 700 allocations, and as each chunk's records outlived a few collections it
      kept walking the whole process: about 6 s of a 26 s million-line import on SQLite
      (``bench/import.py --end-to-end``), freeing nothing (the peak RSS is the same).
    * On SQLite, the import's connection gets a page cache of ``SQLITE_CACHE_KIB`` (the
      default 2 MiB makes index updates of a million-row insert go to the OS).
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BULK_GC_THRESHOLDS)
    try:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            yield
            return
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def maybe_seen(seen: tuple[bytearray, bytearray], chunk: list[Any]) -> tuple[list[str], list[str]]:
    """The chunk's external ids and hashes that this import may already have inserted
    (a one-hash Bloom filter: no false negatives, about 3 % false positives at 1M items)."""
    ext_bits, hash_bits = seen
    mask = BLOOM_BITS - 1
    exts, digests = [], []
    for c in chunk:
        h = hash(c.external_id) & mask
        if ext_bits[h >> 3] >> (h & 7) & 1:
            exts.append(c.external_id)
        h = hash(c.digest) & mask
        if hash_bits[h >> 3] >> (h & 7) & 1:
            digests.append(c.digest)
    return exts, digests


def remember(seen: tuple[bytearray, bytearray], new: list[Any]) -> None:
    """Add the inserted items' external ids and hashes to the filters."""
    ext_bits, hash_bits = seen
    mask = BLOOM_BITS - 1
    for c in new:
        h = hash(c.external_id) & mask
        ext_bits[h >> 3] |= 1 << (h & 7)
        h = hash(c.digest) & mask
        hash_bits[h >> 3] |= 1 << (h & 7)


def new_filters() -> tuple[bytearray, bytearray]:
    """Two empty filters (external ids, content hashes) of ``BLOOM_BITS`` bits each."""
    return bytearray(BLOOM_BITS >> 3), bytearray(BLOOM_BITS >> 3)


def insert_rows(
    connection: sa.Connection, table: str, columns: tuple[str, ...], sql: str, rows: list[Any]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` in the connection's
    transaction: on PostgreSQL with psycopg 3 through ``COPY … FROM STDIN`` (several times
    faster than an executemany of INSERTs; the values go as text, so JSON strings land in
    ``jsonb`` columns as they are), else an executemany of ``sql``. All or nothing either way:
    the transaction is the caller's."""
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        raw = connection.connection.driver_connection
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    connection.exec_driver_sql(sql, rows)


def existing(
    session: Session, project: Project, column: Any, values: list[Any]
) -> dict[Any, tuple[int, str, str]]:
    """Map each present value of ``column`` to the existing (id, external id, content hash)."""
    found: dict[Any, tuple[int, str, str]] = {}
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start : start + LOOKUP_CHUNK]
        for item_id, ext, digest, key in session.execute(
            sa.select(Item.id, Item.external_id, Item.content_hash, column).where(
                Item.project_id == project.id, column.in_(chunk)
            )
        ):
            found[key] = (item_id, ext, digest)
    return found


def existing_content(
    session: Session, project: Project, digests: list[str]
) -> dict[str, tuple[int, str, str]]:
    """Map each content hash already in the project to its (id, external id, content hash),
    looked up through the 64-bit ``content_key`` index and confirmed on the full hash."""
    found: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(digests), LOOKUP_CHUNK):
        wanted = set(digests[start : start + LOOKUP_CHUNK])
        for item_id, ext, digest in session.execute(
            sa.select(Item.id, Item.external_id, Item.content_hash).where(
                Item.project_id == project.id,
                Item.content_key.in_(sorted({content_key(d) for d in wanted})),
            )
        ):
            if digest in wanted and (digest not in found or item_id < found[digest][0]):
                found[digest] = (item_id, ext, digest)  # the first such item
    return found


def ids_in_chunks(session: Session, project: Project, exts: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(exts), LOOKUP_CHUNK):
        found.update(
            session.execute(
                sa.select(Item.external_id, Item.id).where(
                    Item.project_id == project.id,
                    Item.external_id.in_(exts[start : start + LOOKUP_CHUNK]),
                )
            ).all()
        )
    return found
