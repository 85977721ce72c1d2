"""An import's options, checked before any record is read: the web page and the API check
them before they store an upload for a job, and :func:`~.imports.import_records` again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import Project, RulebookVersion, VersionStatus
from annotate.services.data.formats import text_problem
from annotate.services.data.inserts import DEDUPE_MODES
from annotate.services.errors import InvalidInput
from annotate.services.problems import PROBLEMS
from annotate.services.rulebooks.versions import find_version


def check_import_options(
    session: Session,
    project: Project,
    batch_name: str,
    source: str = "",
    licence: str = "",
    dedupe: str = "id",
    rulebook_version: str | None = None,
) -> RulebookVersion | None:
    """Refuse an import's options before any record is read (the web and the API call this
    before they store an upload for a job): the duplicate rule, the rulebook version the
    imported annotations are stamped with (returned), the batch name and the provenance.

    :raises InvalidInput: naming the option.
    """
    if dedupe not in DEDUPE_MODES:
        raise InvalidInput(
            _l("Unknown duplicate rule %(rule)s: use id or content.", rule=repr(dedupe))
        )
    version = None
    if rulebook_version:
        version = find_version(session, project, rulebook_version.strip())
        if version.status == VersionStatus.draft:
            raise InvalidInput(
                _l(
                    "Rulebook version %(version)s is a draft: name a published version.",
                    version=version.version,
                )
            )
    if not batch_name.strip() or len(batch_name) > 200:
        raise InvalidInput(_l("A batch name of 1-200 characters is required."))
    odd = [
        f"{name}: {problem}"
        for name, text in (("batch", batch_name), ("source", source), ("licence", licence))
        if (problem := text_problem(text))
    ]
    if odd:
        raise InvalidInput(PROBLEMS["nothing_imported"], odd)
    return version
