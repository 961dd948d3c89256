"""Watermarks: when a person was last erased and last changed a setting, so that a job issued
before either writes nothing of theirs.

A job may run long after it was handed over: Lambda retries a failed async invocation for
hours, and `bot replay-failed` re-runs one from the failure queue days later. So every write of
a person's memories or settings takes the person's lock and checks, by the job's issue time
(bot/jobs/freshness.py), their last erasure (`/forget`, `bot forget-user`, or the whole
installation's on uninstall) and, for settings, their last change. Erasures take the same locks
exclusively, so a write and an erasure never slip past each other.

A row holds a user ID and two times; it goes once no job issued before it can still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.jobs.freshness import REPLAYABLE_S, issued_at
from bot.jobs.types import Job
from bot.memory.schema import prefix

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

EVERYWHERE = "*"  # the scope of an erasure in every installation (bot forget-user)
EVERYONE = "*"  # the person of an erasure of everyone in an installation (uninstall)


class Superseded(Exception):
    """The job was issued before the person's last erasure (or, for settings, last change)."""


def installation_lock(conn: Connection, scope_id: str) -> None:
    """Held by an erasure of the whole installation until its transaction ends."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_everyone(scope_id),))


def everywhere_lock(conn: Connection, user_id: str) -> None:
    """Held by an erasure of a person in every installation until its transaction ends."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_everywhere(user_id),))


def hold_for_write(
    conn: Connection,
    scope_id: str,
    user_id: str,
    issued_at: float | None,
    *,
    settings: bool = False,
) -> None:
    """Lock the person for writing until the caller's transaction ends, then raise Superseded
    if a job issued at `issued_at` (epoch seconds; None: now) predates their last erasure or,
    with `settings`, their last settings change.

    The person's lock is the one learning always took (bot.memory.schema.person_lock); the two
    shared ones make an installation's or an admin's erasure wait for the write, and the other
    way round.
    """
    conn.execute(
        "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0)), "
        "pg_advisory_xact_lock_shared(hashtextextended(%s, 0)), "
        "pg_advisory_xact_lock(hashtextextended(%s, 0))",
        (_everyone(scope_id), _everywhere(user_id), prefix(scope_id, user_id)),
    )
    if issued_at is None:
        return
    row = conn.execute(
        "SELECT coalesce(bool_or(erased_at >= to_timestamp(%(at)s)), false) AS erased, "
        "coalesce(bool_or(settings_at > to_timestamp(%(at)s)), false) AS changed "
        f"FROM bot_watermarks WHERE {_APPLIES}",
        {"scope": scope_id, "user": user_id, "at": issued_at},
    ).fetchone()
    if row["erased"] or (settings and row["changed"]):
        raise Superseded


def record_erasure(conn: Connection, scope_id: str, user_id: str, at: float | None) -> float:
    """Mark the person erased as of `at` (epoch seconds; None: now), inside the erasure's
    transaction. Returns the watermark, which never moves back."""
    return _record(conn, "erased_at", scope_id, user_id, at)


def record_settings_change(conn: Connection, scope_id: str, user_id: str, at: float | None) -> None:
    _record(conn, "settings_at", scope_id, user_id, at)


def erased_after(scopes: Sequence[str], user: str, at: str) -> str:
    """An SQL condition: the person (`user`, an SQL expression) was erased in one of `scopes`
    (SQL expressions) or everywhere, at or after `at` (an SQL expression)."""
    return (
        "EXISTS (SELECT 1 FROM bot_watermarks w "
        f"WHERE w.scope_id IN ({', '.join(scopes)}, '{EVERYWHERE}') "
        f"AND w.user_id IN ({user}, '{EVERYONE}') AND w.erased_at >= {at})"
    )


class Watermarks:
    """Reading the watermarks outside a write: whether a job may still act for a person."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def erased_since(self, scope_id: str, user_id: str | None, issued_at: float | None) -> bool:
        """True if the person (None: only the installation as a whole) was erased at or after
        `issued_at`; a job with no issue time counts as issued before everything."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT coalesce(bool_or(%(at)s::float8 IS NULL "
                "OR erased_at >= to_timestamp(%(at)s)), false) AS erased "
                f"FROM bot_watermarks WHERE {_APPLIES} AND erased_at IS NOT NULL",
                {"scope": scope_id, "user": user_id or EVERYONE, "at": issued_at},
            ).fetchone()
        return bool(row["erased"])

    def predate(self, scope_id: str, job: Job) -> bool:
        """Whether a job was issued before the erasure of its person (or, with none named, of
        the whole installation)."""
        user = job.get("user_id")
        return self.erased_since(scope_id, user if isinstance(user, str) else None, issued_at(job))

    def prune(self) -> int:
        """Drop the watermarks no job can predate any more: none that old can still run."""
        with self._pool.connection() as conn:
            return conn.execute(
                "DELETE FROM bot_watermarks "
                "WHERE GREATEST(erased_at, settings_at) < now() - make_interval(secs => %s)",
                (REPLAYABLE_S,),
            ).rowcount


_APPLIES = f"scope_id IN (%(scope)s, '{EVERYWHERE}') AND user_id IN (%(user)s, '{EVERYONE}')"


def _record(conn: Connection, column: str, scope_id: str, user_id: str, at: float | None) -> float:
    row = conn.execute(
        f"INSERT INTO bot_watermarks AS w (scope_id, user_id, {column}) "
        "VALUES (%s, %s, coalesce(to_timestamp(%s), now())) "
        f"ON CONFLICT (scope_id, user_id) DO UPDATE SET {column} = "
        f"GREATEST(w.{column}, EXCLUDED.{column}) "
        f"RETURNING extract(epoch FROM {column})::float8 AS at",
        (scope_id, user_id, at),
    ).fetchone()
    return row["at"]


def _everyone(scope_id: str) -> str:
    return f"erasing everyone in {scope_id}"


def _everywhere(user_id: str) -> str:
    return f"erasing {user_id} everywhere"
