"""Registering this installation, and moving memories kept under the old per-payload team IDs
into its scope the first time it is seen.

Before memories were scoped to the installation, the namespace took each payload's `team_id`:
one person could have memories under several workspace IDs of a Grid org, or under a Slack
Connect partner's ID. Every namespace whose scope is not a registered installation is such a
leftover, and belongs to this deployment's installation (one deployment serves one organisation).
A leftover of someone erased since it was written (bot/memory/watermarks.py) is erased data, not
a leftover: it is deleted rather than adopted, so no erasure comes undone by a reinstall.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import TYPE_CHECKING

from bot.memory.revocation import clear_revoked
from bot.memory.schema import MAX_SOURCES_PER_MEMORY, MEMORY_ROOT, Memory, normalise_topic
from bot.memory.watermarks import erased_after

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

    from bot.memory.installation import Installation, InstallationResolver

log = logging.getLogger(__name__)

_LEGACY = (
    "prefix LIKE 'memories.%%' AND split_part(prefix, '.', 2) "
    "NOT IN (SELECT scope_id FROM bot_installations)"
)
# A legacy memory or settings row whose person was erased, under its old scope, the new one or
# everywhere, after it was last written.
_ERASED_MEMORY = erased_after(
    ["split_part(store.prefix, '.', 2)", "%(scope)s"],
    "split_part(store.prefix, '.', 3)",
    "store.updated_at",
)
_ERASED_SETTINGS = erased_after(
    ["bot_user_prefs.team_id", "%(scope)s"], "bot_user_prefs.user_id", "bot_user_prefs.updated_at"
)


def register_and_adopt(
    pool: ConnectionPool, installation: Installation, *, ttl_minutes: float | None
) -> int:
    """Record the installation, whose token evidently works (auth.test named it), so it is no
    longer revoked; the first time, adopt every legacy memory. Returns how many memories moved
    (0 when already registered). Idempotent and safe to run concurrently."""
    scope = installation.scope_id
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('bot_installations', 0))")
        if clear_revoked(conn, scope):
            log.info("revoked installation works again", extra={"scope_id": scope})
        new = conn.execute(
            "INSERT INTO bot_installations (scope_id, team_id, enterprise_id) "
            "VALUES (%s, %s, %s) ON CONFLICT (scope_id) DO NOTHING RETURNING scope_id",
            (scope, installation.team_id, installation.enterprise_id),
        ).fetchone()
        if new is None:
            return 0
        moved = _move_memories(conn, scope)
        _move_settings(conn, scope)
        _merge_duplicate_topics(conn, scope)
        if ttl_minutes:
            # Memories from before expiry existed expire as if it always had.
            conn.execute(
                "UPDATE store SET ttl_minutes = %s, "
                "expires_at = updated_at + make_interval(mins => %s) "
                "WHERE prefix LIKE %s AND expires_at IS NULL",
                (ttl_minutes, int(ttl_minutes), f"{MEMORY_ROOT}.{scope}.%"),
            )
    if moved:
        log.info("adopted legacy memories", extra={"scope_id": scope, "moved": moved})
    return moved


def _move_memories(conn: Connection, scope: str) -> int:
    # store_vectors references store without ON UPDATE CASCADE: copy the rows to their new
    # prefix, point the vectors at the copies, then drop the originals.
    conn.execute(
        "CREATE TEMP TABLE moving ON COMMIT DROP AS "
        "SELECT prefix AS old_prefix, key, "
        "%(prefix)s || '.' || split_part(prefix, '.', 3) AS new_prefix "
        f"FROM store WHERE {_LEGACY} AND NOT {_ERASED_MEMORY}",
        {"prefix": f"{MEMORY_ROOT}.{scope}", "scope": scope},
    )
    moved = conn.execute(
        "INSERT INTO store (prefix, key, value, created_at, updated_at, expires_at, ttl_minutes) "
        "SELECT m.new_prefix, s.key, s.value, s.created_at, s.updated_at, s.expires_at, "
        "s.ttl_minutes FROM store s JOIN moving m ON s.prefix = m.old_prefix AND s.key = m.key "
        "ON CONFLICT (prefix, key) DO NOTHING"
    ).rowcount
    conn.execute(
        "UPDATE store_vectors v SET prefix = m.new_prefix FROM moving m "
        "WHERE v.prefix = m.old_prefix AND v.key = m.key"
    )
    conn.execute(
        "DELETE FROM store s USING moving m WHERE s.prefix = m.old_prefix AND s.key = m.key"
    )
    conn.execute(f"DELETE FROM store WHERE {_LEGACY} AND {_ERASED_MEMORY}", {"scope": scope})
    return moved


def _move_settings(conn: Connection, scope: str) -> None:
    # Several legacy rows of one person become one; the more private choice wins.
    conn.execute(
        "INSERT INTO bot_user_prefs (team_id, user_id, learning_enabled, private_in_channels) "
        "SELECT %(scope)s, user_id, bool_and(learning_enabled), bool_and(private_in_channels) "
        "FROM bot_user_prefs WHERE team_id NOT IN (SELECT scope_id FROM bot_installations) "
        f"AND NOT {_ERASED_SETTINGS} "
        "GROUP BY user_id ON CONFLICT (team_id, user_id) DO UPDATE SET "
        "learning_enabled = bot_user_prefs.learning_enabled AND EXCLUDED.learning_enabled, "
        "private_in_channels = bot_user_prefs.private_in_channels "
        "AND EXCLUDED.private_in_channels",
        {"scope": scope},
    )
    conn.execute(
        "DELETE FROM bot_user_prefs WHERE team_id NOT IN (SELECT scope_id FROM bot_installations)"
    )


def _merge_duplicate_topics(conn: Connection, scope: str) -> None:
    """One memory per topic: the most recent one stays, with every source and the privacy of
    all of them; the rest go."""
    from psycopg.types.json import Jsonb

    rows = conn.execute(
        "SELECT prefix, key, value, updated_at FROM store WHERE prefix LIKE %s "
        "ORDER BY updated_at DESC",
        (f"{MEMORY_ROOT}.{scope}.%",),
    ).fetchall()
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        topic = Memory.from_value(row["key"], row["value"]).topic
        groups[(row["prefix"], normalise_topic(topic))].append(row)
    for (pfx, _), same in groups.items():
        if len(same) < 2:
            continue
        keep, *rest = same
        merged = [Memory.from_value(r["key"], r["value"]) for r in same]
        value = dict(keep["value"])
        value["private"] = any(m.private for m in merged)
        sources = sorted((s for m in merged for s in m.sources), key=lambda s: s.at)
        value["sources"] = [s.to_dict() for s in sources][-MAX_SOURCES_PER_MEMORY:]
        conn.execute(
            "UPDATE store SET value = %s WHERE prefix = %s AND key = %s",
            (Jsonb(value), pfx, keep["key"]),
        )
        conn.execute(
            "DELETE FROM store WHERE prefix = %s AND key = ANY(%s)",
            (pfx, [r["key"] for r in rest]),
        )


class ScopeProvider:
    """This installation's scope for the worker: resolved once per process, registered (and
    legacy memories adopted) the first time."""

    def __init__(
        self, resolver: InstallationResolver, pool: ConnectionPool, *, ttl_minutes: float | None
    ) -> None:
        self._resolver = resolver
        self._pool = pool
        self._ttl = ttl_minutes
        self._registered = False
        self._lock = threading.Lock()

    def get(self) -> Installation:
        installation = self._resolver.get()
        with self._lock:
            if not self._registered:
                register_and_adopt(self._pool, installation, ttl_minutes=self._ttl)
                self._registered = True
        return installation

    def forget(self) -> None:
        self._resolver.forget()
        with self._lock:
            self._registered = False
