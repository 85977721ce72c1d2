"""Bulk user import from CSV: all lines or none.

The file has a header line ``username,display_name,roles``; ``roles`` lists ``project:role``
pairs separated by ``;`` (e.g. ``news:annotator; chat:reviewer``), and may be empty. Every line
is checked before anything is written: one bad line imports nothing, and every problem is
reported with its line number. Each new account gets a temporary password (returned once) that
its owner must change at the first login.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from annotate.database import Session
from annotate.models import Project, ProjectRole, User
from annotate.services.accounts.memberships import grant_role, separation_conflict
from annotate.services.accounts.users import USERNAME_RE, create_user, temporary_password
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput

HEADER = ("username", "display_name", "roles")
#: Each account costs one argon2 hash (tens of ms): a file stays within one request.
MAX_LINES = 500
MAX_BYTES = 1_000_000


@dataclass
class _Row:
    line: int
    username: str
    display_name: str
    roles: list[tuple[Project, ProjectRole]] = field(default_factory=list)


@dataclass(frozen=True)
class Imported:
    """One account created by an import, with its one-time password."""

    user: User
    password: str


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise InvalidInput(_l("The file is larger than %(n)s bytes.", n=MAX_BYTES))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            _l("The file is not UTF-8 text (byte %(at)s).", at=error.start + 1)
        ) from None


def _parse_roles(
    text: str, line: int, projects: dict[str, Project], problems: Problems
) -> list[tuple[Project, ProjectRole]]:
    roles: list[tuple[Project, ProjectRole]] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        slug, sep, role_name = (s.strip() for s in part.partition(":"))
        if not sep or role_name not in ProjectRole.__members__:
            problems.append(
                (
                    line,
                    str(
                        _l(
                            "%(value)r is not project:role "
                            "(role one of annotator, reviewer, manager).",
                            value=part,
                        )
                    ),
                )
            )
            continue
        project = projects.get(slug)
        if project is None:
            problems.append((line, str(_l("no project %(slug)r.", slug=slug))))
            continue
        role = ProjectRole(role_name)
        held = {r for p, r in roles if p.id == project.id}
        problem = separation_conflict(project, held, role)
        if problem:
            problems.append((line, problem))
            continue
        roles.append((project, role))
    return roles


def _at(line: int, problem: str) -> str:
    return str(_l("line %(line)s: %(problem)s", line=line, problem=problem))


Problems = list[tuple[int, str]]


def parse_users_csv(session: Session, data: bytes | str) -> list[_Row]:
    """Check every line; return the rows or raise with every problem, by line number.

    :raises InvalidInput: anything wrong, with ``problems`` naming each line.
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: Problems = []
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip().lower() for h in header) != HEADER:
            raise InvalidInput(_l("Line 1 must be the header: %(header)s", header=",".join(HEADER)))
        projects = {p.slug: p for p in session.scalars(sa.select(Project))}
        rows: list[_Row] = []
        seen: dict[str, int] = {}
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_LINES:
                raise InvalidInput(_l("More than %(n)s users in one file.", n=MAX_LINES))
            if len(record) != len(HEADER):
                problems.append((line, str(_l("%(n)s fields, expected 3.", n=len(record)))))
                continue
            username, display_name, roles = (cell.strip() for cell in record)
            if not USERNAME_RE.match(username):
                problems.append(
                    (
                        line,
                        str(
                            _l(
                                "invalid username %(name)r: use 2-64 letters, digits, _ . -",
                                name=username,
                            )
                        ),
                    )
                )
            elif username in seen:
                problems.append(
                    (
                        line,
                        str(
                            _l(
                                "username %(name)s is already on line %(other)s.",
                                name=username,
                                other=seen[username],
                            )
                        ),
                    )
                )
            else:
                seen[username] = line
            if len(display_name) > 128:
                problems.append((line, str(_l("display name longer than 128 characters."))))
            rows.append(
                _Row(line, username, display_name, _parse_roles(roles, line, projects, problems))
            )
    except csv.Error as error:
        raise InvalidInput(
            _l("Line %(line)s is not valid CSV: %(error)s", line=reader.line_num, error=str(error))
        ) from None
    taken = (
        set(session.scalars(sa.select(User.username).where(User.username.in_(list(seen)))))
        if seen
        else set()
    )
    for name in sorted(taken, key=seen.__getitem__):
        problems.append((seen[name], str(_l("user %(name)s already exists.", name=name))))
    if problems:
        problems.sort(key=lambda problem: problem[0])
        raise InvalidInput(
            _l("Nothing was imported: fix these lines."),
            [_at(line, problem) for line, problem in problems],
        )
    if not rows:
        raise InvalidInput(_l("The file has no users after its header."))
    return rows


def import_users_csv(
    session: Session, data: bytes | str, *, actor: User | None = None
) -> list[Imported]:
    """Create every account of the file with its roles, or none (the caller rolls back on
    error). Audited per account and per role.

    :raises InvalidInput: a bad line (nothing is written).
    :raises Conflict: a username taken meanwhile by a concurrent request.
    """
    rows = parse_users_csv(session, data)
    created: list[Imported] = []
    try:
        for row in rows:
            password = temporary_password()
            user = create_user(
                session, row.username, password, display_name=row.display_name, actor=actor
            )
            user.must_change_password = True
            for project, role in row.roles:
                grant_role(session, user, project, role, actor=actor)
            created.append(Imported(user, password))
        session.flush()
        record_event(
            session,
            "user.import",
            "user",
            "",
            actor=actor,
            details={"count": len(created), "usernames": [c.user.username for c in created]},
        )
    except IntegrityError:
        raise Conflict(
            _l("Another request created one of these users meanwhile; nothing was imported.")
        ) from None
    return created
