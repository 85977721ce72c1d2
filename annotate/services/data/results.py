"""What an import did (:class:`ImportResult`) or why it was refused whole
(:class:`ImportRefused`): counted records, listed duplicates and shared content."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotate.models import Batch
from annotate.services.errors import InvalidInput

#: Records of each kind kept structured for the web report (the strings keep them all).
LISTED = 500


@dataclass
class ImportResult:
    """What an import did: every record read is counted in exactly one of ``inserted``,
    ``duplicates`` (skipped: same external id and content), ``duplicate_content`` (skipped
    under ``dedupe="content"``: same content as another item) or ``refused``.
    ``shared_content`` lists the records imported although another item has their content."""

    batch: Batch | None
    inserted: int = 0
    duplicates: list[str] = field(default_factory=list)
    annotations: int = 0
    users_created: list[str] = field(default_factory=list)
    read: int = 0
    duplicate_content: list[str] = field(default_factory=list)
    shared_content: list[str] = field(default_factory=list)
    refused: int = 0
    dedupe: str = "id"
    #: Imported annotations stamped with no rulebook version (none was named).
    annotations_without_version: int = 0
    predictions: int = 0
    #: The first ``LISTED`` records of each list ("id", "content", "shared") as
    #: (where, external id, the other item's id or None, the other is already in the project),
    #: for pages that word them in the reader's language.
    listed: dict[str, list[tuple[str, str, str | None, bool]]] = field(
        default_factory=lambda: {"id": [], "content": [], "shared": []}
    )

    def note(self, kind: str, where: str, ext: str, other: str | None, before: bool) -> None:
        """Keep a structured copy of a listed record (the first ``LISTED`` of each kind)."""
        if len(self.listed[kind]) < LISTED:
            self.listed[kind].append((where, ext, other, before))

    def counts(self) -> dict[str, int]:
        """The counts of the result (every import result reports them)."""
        return {
            "read": self.read,
            "imported": self.inserted,
            "skipped_duplicate_id": len(self.duplicates),
            "skipped_duplicate_content": len(self.duplicate_content),
            "shared_content": len(self.shared_content),
            "refused": self.refused,
            "annotations": self.annotations,
            "annotations_without_rulebook_version": self.annotations_without_version,
            "predictions": self.predictions,
        }

    def as_json(self) -> dict[str, Any]:
        """The result as the API returns it."""
        return {
            "batch": self.batch.name if self.batch else None,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "duplicate_content": self.duplicate_content,
            "shared_content": self.shared_content,
            "counts": self.counts(),
            "annotations": self.annotations,
            "users_created": self.users_created,
        }

    def summary(self) -> str:
        """A one-line summary for the CLI and flash messages."""
        where = f" into batch {self.batch.name!r}" if self.batch else ""
        shared = (
            f"; {len(self.shared_content)} items share content with existing items"
            if self.shared_content
            else ""
        )
        return (
            f"Read {self.read} records; imported {self.inserted} items{where}; skipped "
            f"{len(self.duplicates)} duplicate ids and {len(self.duplicate_content)} duplicate "
            f"contents; refused {self.refused}{shared}; {self.annotations} annotations imported."
        )


class ImportRefused(InvalidInput):
    """An import refused whole; ``counts`` says how many records were read and refused."""

    def __init__(self, message: str, problems: list[str], counts: dict[str, int]) -> None:
        super().__init__(message, problems)
        self.counts = counts
