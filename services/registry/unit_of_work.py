"""One unit of work for the registry's writes: transaction, idempotency, audit entry, constraint errors.

Every write handler used to repeat the same frame inline: take a connection, open a transaction, claim
the ``Idempotency-Key`` (and return the stored answer on a replay), change the rows, append the audit
entry, remember the answer under the key, and turn a unique or foreign-key violation into a
problem+json answer. :func:`write` is that frame once; a handler parses its input, passes the part that
changes rows as ``work`` and gets the response back.

The audit entries and the idempotency key commit with the change or not at all: they are written on the
same connection, inside the same transaction, after ``work`` has changed the rows. A constraint violation
is mapped only when its constraint is named in ``violations``; any other one stays an error (500), so a
mapping never hides a violation it was not written for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.db import POOL_KEY
from shared.errors import ProblemError

from . import audit, idempotency

# Constraint name → the problem answered when a write breaks it.
Violations = Mapping[str, Callable[[], ProblemError]]


@dataclass(frozen=True)
class Audited:
    """What a write changed, for its audit entry (see :func:`services.registry.audit.record`).

    ``action`` is None to take the one passed to :func:`write`; a write with more than one outcome
    (a sign-up that reactivates a cancelled registration) names its own.
    """

    entity: str
    entity_id: UUID | str | None
    organisation_id: UUID | None = None
    event_id: UUID | None = None
    changes: Mapping[str, Any] | None = None
    action: str | None = None


@dataclass(frozen=True)
class Outcome:
    """The answer of a write and what it changed, for the audit log.

    ``audited`` is the write's one entry; a sequence of entries when one write makes several things (a
    walk-in that also creates its firm, an import of many needs), written in their order; None (or an
    empty sequence) when nothing changed.
    """

    response: web.Response
    audited: Audited | Sequence[Audited] | None = None

    @property
    def entries(self) -> tuple[Audited, ...]:
        """The audit entries to write, in order, whichever form ``audited`` was given in.

        Examples
        --------
        >>> firm, registration = Audited("organisation", "o1"), Audited("registration", "r1")
        >>> [entry.entity for entry in Outcome(web.Response(), [firm, registration]).entries]
        ['organisation', 'registration']
        >>> Outcome(web.Response(), firm).entries == (firm,), Outcome(web.Response()).entries
        (True, ())
        """
        if self.audited is None:
            return ()
        if isinstance(self.audited, Audited):
            return (self.audited,)
        return tuple(self.audited)


Work = Callable[[asyncpg.Connection], Awaitable[Outcome]]


async def write(
    request: web.Request,
    work: Work,
    *,
    action: str,
    idempotent: bool = False,
    redact: idempotency.Redact | None = None,
    violations: Violations | None = None,
) -> web.Response:
    """Run ``work`` in one transaction with its audit entries (and idempotency key); return its response.

    Parameters
    ----------
    request
        The request being answered: it gives the pool, the actor of the audit entry and the
        ``Idempotency-Key``.
    work
        Changes the rows on the connection it is given (inside the transaction) and returns the
        :class:`Outcome`. A :class:`~shared.errors.ProblemError` it raises rolls everything back.
    action
        The audit entries' action, e.g. ``"registration.create"`` (unless an ``Audited.action`` names another).
    idempotent
        Honour ``Idempotency-Key``: claim it before ``work`` runs, answer a replay with the stored
        response (``work`` does not run), store the new response in the same transaction.
    redact
        Maps the JSON body to what may be stored for replays (drop secrets); see
        :func:`services.registry.idempotency.remember`.
    violations
        Constraint name → a factory of the problem to answer when the transaction breaks that unique
        or foreign-key constraint. Violations of constraints not named are raised unchanged.

    Returns
    -------
    web.Response
        The response of ``work``, or the stored response of a replay (``Idempotent-Replayed: true``).

    Raises
    ------
    ProblemError
        What ``work`` raised, or the mapped problem of a named constraint violation.

    Examples
    --------
    >>> async def rename(conn):  # doctest: +SKIP
    ...     await conn.execute(sql.RENAME, thing_id, name)
    ...     return Outcome(json_response(...), Audited("thing", thing_id, changes={"name": name}))
    >>> taken = {"things_name_key": name_taken}  # doctest: +SKIP
    >>> await write(request, rename, action="thing.rename", violations=taken)  # doctest: +SKIP

    A write that makes several things audits each (an entry may name its own action):

    >>> async def walk_in(conn):  # doctest: +SKIP
    ...     firm, registration = await insert_firm(conn), await register(conn)
    ...     return Outcome(json_response(...), [
    ...         Audited("organisation", firm, action="organisation.created"),
    ...         Audited("registration", registration),
    ...     ])
    """
    try:
        async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
            if idempotent:
                replay = await idempotency.claim(conn, request)
                if replay is not None:
                    return replay
            outcome = await work(conn)
            for entry in outcome.entries:
                await audit.record(
                    conn,
                    request,
                    entry.action or action,
                    entry.entity,
                    entry.entity_id,
                    organisation_id=entry.organisation_id,
                    event_id=entry.event_id,
                    changes=entry.changes,
                )
            if idempotent:
                await idempotency.remember(conn, request, outcome.response, redact=redact)
            return outcome.response
    except (asyncpg.UniqueViolationError, asyncpg.ForeignKeyViolationError) as error:
        problem = (violations or {}).get(error.constraint_name or "")
        if problem is None:
            raise
        raise problem() from None
