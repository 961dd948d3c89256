"""A revoked bot token is not an uninstall: the installation is marked, kept, and erased only
if it stays revoked.

`tokens_revoked` comes when an admin revokes the bot token, for instance rotating a leaked one
before reinstalling; erasing then would destroy every memory of the installation for a routine
security step. So the installation is marked revoked; the mark clears as soon as the token works
again (auth.test answers for it: a process's or container's first job, `bot migrate`, or the
sweep's own check); and the sweep erases an installation still revoked REVOKED_GRACE_DAYS later.
`app_uninstalled` erases at once (bot/memory/maintenance.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool


def mark_revoked(pool: ConnectionPool, scope_id: str, at: float | None) -> bool:
    """Mark the installation revoked as of `at` (epoch seconds; None: now), unless it already
    is; False when this installation was never registered (nothing is kept under it)."""
    with pool.connection() as conn:
        row = conn.execute(
            "UPDATE bot_installations "
            "SET revoked_at = coalesce(revoked_at, to_timestamp(%s), now()) "
            "WHERE scope_id = %s RETURNING scope_id",
            (at, scope_id),
        ).fetchone()
    return row is not None


def clear_revoked(conn: Connection, scope_id: str) -> bool:
    """The token works for this installation: it is no longer revoked. True if it was."""
    row = conn.execute(
        "UPDATE bot_installations SET revoked_at = NULL "
        "WHERE scope_id = %s AND revoked_at IS NOT NULL RETURNING scope_id",
        (scope_id,),
    ).fetchone()
    return row is not None


def revoked_longer_than(pool: ConnectionPool, days: int) -> list[str]:
    """Installations revoked at least `days` ago and not working since."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT scope_id FROM bot_installations "
            "WHERE revoked_at <= now() - make_interval(days => %s) ORDER BY scope_id",
            (days,),
        ).fetchall()
    return [row["scope_id"] for row in rows]
