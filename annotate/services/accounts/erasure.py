"""Erasing a person's data (PIPL Art. 47, Interim Measures Art. 11) while the records stay true.

The account keeps its id, so annotations, attempts, qualifications and reviews stay where the
figures and the dossier read them; what named the person goes:

* the username and display name become a stable pseudonym (``erased-<id>``), the login and
  every API token stop working and their sessions end;
* text that mentions them by name (an audit event's details, a feedback message, a reason)
  names the pseudonym instead;
* in projects that allow it (``Project.erase_free_text``), the free text they wrote is emptied.

The audit chain still verifies: ``actor_name`` is outside the hashed payload and is renamed
freely; an event whose hashed fields name the person is rewritten and its new digest recorded
in the ``user.erase`` event (:data:`annotate.services.audit.REDACTED_KEY`), as is the new
content hash of a review or batch decision whose text was emptied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    ApiToken,
    Assignment,
    AuditEvent,
    Batch,
    BatchDecision,
    Feedback,
    Item,
    ItemFlag,
    Project,
    Qualification,
    Review,
    SampledAnnotation,
    SamplePlan,
    SupervisionEvent,
    User,
)
from annotate.services.accounts.users import RESERVED_PREFIX
from annotate.services.audit import (
    CONTENT_FIELDS,
    CONTENT_REDACTED_KEY,
    REDACTED_KEY,
    body_digest,
    content_hash,
    link_digest,
    record_event,
    redacted_digest,
)
from annotate.services.errors import Conflict, InvalidInput, PermissionDenied
from annotate.services.locks import lock_row

PSEUDONYM_PREFIX = RESERVED_PREFIX
_NAME_CHARS = r"A-Za-z0-9_.\-"


def pseudonym(user: User) -> str:
    """The stable name an erased account goes by."""
    return f"{PSEUDONYM_PREFIX}{user.id}"


@dataclass
class Erasure:
    """What an erasure changed (counts only: nothing here names the person)."""

    pseudonym: str
    renamed_events: int = 0
    redacted_events: dict[str, str] = field(default_factory=dict)
    redacted_content: dict[str, dict[str, str]] = field(default_factory=dict)
    emptied: dict[str, int] = field(default_factory=dict)
    mentions: dict[str, int] = field(default_factory=dict)
    tokens_revoked: int = 0


class _Scrubber:
    """Replaces the person's names inside text and JSON values with the pseudonym."""

    def __init__(self, names: Iterable[str], replacement: str) -> None:
        self.names = sorted({n for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
        self.replacement = replacement
        alternatives = "|".join(re.escape(n) for n in self.names)
        # A username inside a longer one ("ann3" in "ann30") is not the person.
        self.pattern = re.compile(rf"(?<![{_NAME_CHARS}])(?:{alternatives})(?![{_NAME_CHARS}])")

    def patterns(self) -> list[str]:
        """Substrings to look for in stored text (also as JSON escapes them)."""
        found = set(self.names)
        found.update(json.dumps(n)[1:-1] for n in self.names)
        return sorted(found)

    def text(self, value: str) -> str:
        return self.pattern.sub(self.replacement, value) if self.names else value

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value


def check_erasable(session: Session, user: User, *, actor: User | None) -> None:
    """Refuse an erasure that must not happen (before asking for confirmation).

    :raises Conflict: already erased, or the last active administrator.
    :raises PermissionDenied: erasing one's own account.
    """
    if user.erased_at is not None:
        raise Conflict(_l("This account was already erased."))
    if actor is not None and actor.id == user.id:
        raise PermissionDenied(_l("You cannot erase your own account."))
    if user.is_admin:
        admins = sa.select(User.id).where(User.is_admin.is_(True), User.active.is_(True))
        if session.get_bind().dialect.name == "postgresql":
            admins = admins.with_for_update()  # two erasures of the last two admins
        if not [i for i in session.scalars(admins) if i != user.id]:
            raise Conflict(_l("This is the last active administrator: it cannot be erased."))


def erase_user(session: Session, user: User, *, confirm: str, actor: User | None) -> Erasure:
    """Erase ``user``'s personal data (see the module docstring). Flushes; audited.

    :param confirm: the username typed again by whoever asked for the erasure.
    :raises InvalidInput: ``confirm`` is not the username.
    :raises Conflict: already erased, or the last active administrator.
    :raises PermissionDenied: erasing one's own account.
    """
    user = lock_row(session, user)
    check_erasable(session, user, actor=actor)
    if confirm.strip() != user.username:
        raise InvalidInput(_l("Type the username exactly to confirm the erasure."))
    result = Erasure(pseudonym(user))
    if session.scalar(sa.select(User.id).where(User.username == result.pseudonym)):
        raise Conflict(
            _l("Another account already holds the name %(name)s.", name=result.pseudonym)
        )
    scrub = _Scrubber([user.username, user.display_name], result.pseudonym)
    _rewrite_events(session, user, scrub, result)
    _empty_free_text(session, user, result)
    _scrub_mentions(session, scrub, result)
    now = utcnow()
    live = ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
    result.tokens_revoked = session.scalar(sa.select(sa.func.count(ApiToken.id)).where(*live)) or 0
    session.execute(sa.update(ApiToken).where(*live).values(revoked_at=now))
    session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id).values(name=""))
    user.username = user.display_name = result.pseudonym
    user.password_hash = None
    user.active = False  # the model's validator ends every session
    user.end_sessions()
    user.is_admin = user.can_create_projects = user.must_change_password = False
    user.locale = None
    user.last_login_at = None
    user.erased_at = now
    session.flush()
    record_event(
        session,
        "user.erase",
        "user",
        user.id,
        actor=actor,
        details={
            "pseudonym": result.pseudonym,
            "renamed_events": result.renamed_events,
            "emptied": result.emptied,
            "mentions": result.mentions,
            "tokens_revoked": result.tokens_revoked,
            REDACTED_KEY: result.redacted_events,
            CONTENT_REDACTED_KEY: result.redacted_content,
        },
    )
    return result


def _v2_hash(row: Any, details: dict[str, Any]) -> str:
    body = body_digest(
        created_at=row.created_at,
        actor_id=row.actor_id,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        project_id=row.project_id,
        details=details,
    )
    return link_digest(row.prev_hash, body)


def _rewrite_events(session: Session, user: User, scrub: _Scrubber, result: Erasure) -> None:
    """Rename the person in every audit event that names them; redact hashed mentions."""
    table = AuditEvent.__table__
    text = sa.cast(table.c.details, sa.Text)
    mentions = sa.or_(*(text.contains(p, autoescape=True) for p in scrub.patterns()))
    last = 0
    while True:
        page = session.execute(
            sa.select(table, text.label("details_text"))
            .where(table.c.id > last, sa.or_(table.c.actor_id == user.id, mentions))
            .order_by(table.c.id)
            .limit(2000)
        ).all()
        if not page:
            return
        for row in page:
            _rewrite_event(session, row, user, scrub, result)
        last = page[-1].id


def _rewrite_event(
    session: Session, row: Any, user: User, scrub: _Scrubber, result: Erasure
) -> None:
    table = AuditEvent.__table__
    details = json.loads(row.details_text or "{}")
    if not isinstance(details, dict):
        return
    new_details = scrub.value(details)
    new_name = result.pseudonym if row.actor_id == user.id else scrub.text(row.actor_name)
    if new_details == details and new_name == row.actor_name:
        return
    values: dict[str, Any] = {"actor_name": new_name}
    if new_details != details or _v2_hash(row, details) != row.hash:
        # The hashed fields change (or the event is in the first form, which hashed the
        # actor's name): record the rewritten event's digest in the erasure event.
        values["details"] = new_details
        result.redacted_events[str(row.id)] = redacted_digest(
            prev_hash=row.prev_hash,
            created_at=row.created_at,
            actor_id=row.actor_id,
            actor_name=new_name,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            project_id=row.project_id,
            details=new_details,
        )
    session.execute(sa.update(table).where(table.c.id == row.id).values(**values))
    result.renamed_events += 1


def _project_of(model: Any) -> Any:
    """A correlated ``project_id`` for rows of ``model`` (for the per-project setting)."""
    if model is Review:
        return (
            sa.select(Batch.project_id)
            .join(SamplePlan, SamplePlan.batch_id == Batch.id)
            .join(SampledAnnotation, SampledAnnotation.plan_id == SamplePlan.id)
            .where(SampledAnnotation.id == Review.sampled_annotation_id)
            .scalar_subquery()
        )
    if model is BatchDecision:
        return (
            sa.select(Batch.project_id).where(Batch.id == BatchDecision.batch_id).scalar_subquery()
        )
    if model in (ItemFlag, Assignment):
        item_col = model.item_id
        return sa.select(Item.project_id).where(Item.id == item_col).scalar_subquery()
    return model.project_id


#: Free text a person writes: (model, text column, the column naming the writer, empty value).
FREE_TEXT: tuple[tuple[Any, str, str, Any], ...] = (
    (Review, "comment", "reviewer_id", ""),
    (ItemFlag, "note", "user_id", ""),
    (Assignment, "skip_reason", "annotator_id", None),
    (Feedback, "message", "created_by_id", ""),
    (SupervisionEvent, "reason", "created_by_id", ""),
    (Qualification, "revoked_reason", "revoked_by_id", None),
    (BatchDecision, "override_reason", "decided_by_id", None),
)


def _empty_free_text(session: Session, user: User, result: Erasure) -> None:
    allowed = sa.select(Project.id).where(Project.erase_free_text.is_(True))
    for model, column, writer, empty in FREE_TEXT:
        text_col = getattr(model, column)
        where = [
            getattr(model, writer) == user.id,
            _project_of(model).in_(allowed),
            text_col.is_not(None),
            text_col != "",
        ]
        ids = list(session.scalars(sa.select(model.id).where(*where)))
        if not ids:
            continue
        session.execute(sa.update(model).where(model.id.in_(ids)).values({column: empty}))
        result.emptied[model.__tablename__] = len(ids)
        _note_content(session, model, ids, result)


def _scrub_mentions(session: Session, scrub: _Scrubber, result: Erasure) -> None:
    """Name the pseudonym in free text that others wrote about the person."""
    for model, column, _writer, _empty in FREE_TEXT:
        text_col = getattr(model, column)
        found = session.execute(
            sa.select(model.id, text_col).where(
                sa.or_(*(text_col.contains(p, autoescape=True) for p in scrub.patterns()))
            )
        ).all()
        changed = [(i, scrub.text(t)) for i, t in found if scrub.text(t) != t]
        for row_id, new_text in changed:
            session.execute(sa.update(model).where(model.id == row_id).values({column: new_text}))
        if changed:
            result.mentions[model.__tablename__] = len(changed)
            _note_content(session, model, [i for i, _ in changed], result)


def _note_content(session: Session, model: Any, ids: list[int], result: Erasure) -> None:
    """Record the new content hash of rows whose events vouch for their content."""
    table = model.__tablename__
    if table not in CONTENT_FIELDS:
        return
    columns = [getattr(model, c) for c in CONTENT_FIELDS[table]]
    found = result.redacted_content.setdefault(table, {})
    for row in session.execute(sa.select(model.id, *columns).where(model.id.in_(ids))):
        fields = {c: row._mapping[c] for c in CONTENT_FIELDS[table]}
        found[str(row.id)] = content_hash(fields)
