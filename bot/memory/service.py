"""Reading, correcting and erasing what the bot remembers about a person.

A memory's shape and namespace are bot/memory/schema.py; learning new ones is
bot/memory/learning.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.memory.schema import (
    LIVE,
    MEMORY_ROOT,
    ConversationKind,
    Memory,
    Source,
    UserTechInterest,
    namespace,
    new_key,
    normalise_topic,
    prefix,
)
from bot.memory.watermarks import hold_for_write

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

    from bot.db.storage import StoreBuilder

log = logging.getLogger(__name__)

# Cosine similarity above which `/forget <words>` also offers memories that don't contain the
# words but mean the same thing ("k8s" for Kubernetes).
SEMANTIC_FORGET_THRESHOLD = 0.6
# At most this many memories are offered as choices (a button each) after `/forget <words>`.
MAX_OFFERED = 10


@dataclass(frozen=True)
class WordMatches:
    """What `/forget <words>` found: memories named by the words (topic or category), which
    are erased, and those that only mention them or mean something close, which are offered."""

    forgotten: list[Memory]
    offered: list[Memory]


@dataclass(frozen=True)
class Page:
    memories: list[Memory]
    total: int
    next_cursor: str | None  # pass back to get the following page; None on the last


class MemoryService:
    """Reads, corrects and erases one person's memories, always addressed by (scope, user).

    Similarity search goes through the LangGraph store; listings are plain SQL on its `store`
    table with keyset pagination, so a page costs the same however many memories exist.
    Store reads pass refresh_ttl=False: reading a memory does not reinforce it, learning does.
    """

    def __init__(
        self, stores: StoreBuilder, pool: ConnectionPool, *, ttl_minutes: float | None = None
    ) -> None:
        self._stores = stores
        self._store = stores.on(pool)
        self._pool = pool
        self._ttl_minutes = ttl_minutes

    # --- reading -------------------------------------------------------------------------

    def relevant(
        self,
        scope_id: str,
        user_id: str,
        query: str,
        limit: int,
        *,
        include_private: bool,
        channel: str | None = None,
    ) -> list[Memory]:
        """The `limit` memories closest to `query`; only public ones unless `include_private`,
        and none the person said not to use in `channel`."""
        excluded = self._excluded(scope_id, user_id, channel) if channel else set()
        items = self._store.search(
            namespace(scope_id, user_id),
            query=query or " ",
            filter=None if include_private else {"private": False},
            limit=limit + len(excluded),
            refresh_ttl=False,
        )
        return [Memory.from_item(item) for item in items if item.key not in excluded][:limit]

    def _excluded(self, scope_id: str, user_id: str, channel: str) -> set[str]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT key FROM bot_memory_exclusions WHERE prefix = %s AND channel = %s",
                (prefix(scope_id, user_id), channel),
            ).fetchall()
        return {row["key"] for row in rows}

    def prepare_query(self, query: str) -> None:
        """Embed a query ahead of `relevant`, which then finds it in the embedder's cache."""
        self._stores.embed([query or " "])

    def get(self, scope_id: str, user_id: str, key: str) -> Memory | None:
        with self._pool.connection() as conn:
            return _get(conn, scope_id, user_id, key)

    def page(self, scope_id: str, user_id: str, *, limit: int, cursor: str | None = None) -> Page:
        """Most recently learned first; `cursor` continues after the previous page's last."""
        after = _decode_cursor(cursor)
        where = f"prefix = %s AND {LIVE}"
        params: list[Any] = [prefix(scope_id, user_id)]
        if after:
            where += " AND (updated_at, key) < (%s, %s)"
            params += list(after)
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT key, value, updated_at FROM store WHERE {where} "
                "ORDER BY updated_at DESC, key DESC LIMIT %s",
                (*params, limit + 1),
            ).fetchall()
            total = conn.execute(
                f"SELECT count(*) AS n FROM store WHERE prefix = %s AND {LIVE}",
                (prefix(scope_id, user_id),),
            ).fetchone()["n"]
        memories = [Memory.from_value(r["key"], r["value"], r["updated_at"]) for r in rows]
        next_cursor = None
        if len(memories) > limit:
            memories = memories[:limit]
            last = rows[limit - 1]
            next_cursor = _encode_cursor(last["updated_at"], last["key"])
        return Page(memories, total, next_cursor)

    def list_all(self, scope_id: str, user_id: str) -> list[Memory]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT key, value, updated_at FROM store WHERE prefix = %s AND {LIVE} "
                "ORDER BY updated_at DESC, key DESC",
                (prefix(scope_id, user_id),),
            ).fetchall()
        return [Memory.from_value(r["key"], r["value"], r["updated_at"]) for r in rows]

    # --- correcting ----------------------------------------------------------------------

    def save(
        self,
        scope_id: str,
        user_id: str,
        content: UserTechInterest,
        *,
        private: bool,
        key: str | None = None,
        issued_at: float | None = None,
    ) -> Memory:
        """Write what the person typed in the editor, re-embedded, in one transaction.

        One memory per topic: if the (new) topic names another of their memories, that one
        is replaced by this one. Raises Superseded if the person was erased after the job
        asking for it was issued (`issued_at`; None: now). Everything happens on the one
        connection the transaction holds: a second from the pool would let a handful of
        concurrent saves starve it.
        """
        from langgraph.store.base import PutOp

        ns = namespace(scope_id, user_id)
        with self._pool.connection() as conn, conn.transaction():
            hold_for_write(conn, scope_id, user_id, issued_at)
            old = _get(conn, scope_id, user_id, key) if key else None
            sources = old.sources if old else (Source(ConversationKind.HOME),)
            memory = Memory(
                key=old.key if old else new_key(),
                topic=content.topic,
                category=content.category,
                interest_level=content.interest_level,
                description=content.description,
                private=private,
                sources=sources,
            )
            twins = conn.execute(
                "SELECT key FROM store WHERE prefix = %s AND key <> %s "
                "AND lower(regexp_replace(btrim(value->'content'->>'topic'), '\\s+', ' ', 'g')) "
                "= %s",
                (prefix(scope_id, user_id), memory.key, normalise_topic(memory.topic)),
            ).fetchall()
            ops = [PutOp(ns, row["key"], None) for row in twins]
            ops.append(PutOp(ns, memory.key, memory.value(), ttl=self._ttl_minutes))
            self._stores.on(conn).batch(ops)
        return memory

    def exclude(self, scope_id: str, user_id: str, key: str, channel: str) -> Memory | None:
        """Stop using one memory in one conversation ("Don't use this here"); the memory, or
        None if the person has no such memory. Looked up in their own namespace only."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "WITH target AS ("
                "  SELECT prefix, key, value, updated_at FROM store WHERE prefix = %s AND key = %s"
                f"  AND {LIVE}"
                "), noted AS ("
                "  INSERT INTO bot_memory_exclusions (prefix, key, channel)"
                "  SELECT prefix, key, %s FROM target ON CONFLICT DO NOTHING"
                ") SELECT key, value, updated_at FROM target",
                (prefix(scope_id, user_id), key, channel),
            ).fetchone()
        return Memory.from_value(row["key"], row["value"], row["updated_at"]) if row else None

    def lower_interest(
        self,
        scope_id: str,
        user_id: str,
        key: str,
        *,
        by: int,
        unrated: int,
        issued_at: float | None = None,
    ) -> tuple[int, Memory] | None:
        """Lower one of the person's memories' interest level by `by` (not below 0; a memory
        without a level counts as `unrated`): the level before, and the memory after. Looked up
        in the caller's own namespace only. Nothing is re-embedded (the level isn't), and the
        memory is not renewed: being shown less of something is not mentioning it again.
        Raises Superseded for a click issued before the person's last erasure."""
        with self._pool.connection() as conn, conn.transaction():
            hold_for_write(conn, scope_id, user_id, issued_at)
            row = conn.execute(
                f"SELECT key, value, updated_at FROM store WHERE prefix = %s AND key = %s "
                f"AND {LIVE} FOR UPDATE",
                (prefix(scope_id, user_id), key),
            ).fetchone()
            if row is None:
                return None
            memory = Memory.from_value(row["key"], row["value"], row["updated_at"])
            before = unrated if memory.interest_level is None else memory.interest_level
            after = max(0, before - by)
            conn.execute(
                "UPDATE store SET value = jsonb_set(value, '{content,interest_level}', "
                "to_jsonb(%s::int)) WHERE prefix = %s AND key = %s",
                (after, prefix(scope_id, user_id), key),
            )
        return before, replace(memory, interest_level=after)

    # --- erasing -------------------------------------------------------------------------

    def forget_all(self, scope_id: str, user_id: str) -> int:
        with self._pool.connection() as conn:
            return conn.execute(
                "DELETE FROM store WHERE prefix = %s", (prefix(scope_id, user_id),)
            ).rowcount

    def forget_one(self, scope_id: str, user_id: str, key: str) -> Memory | None:
        """Delete one memory, looked up inside the caller's own namespace only."""
        gone = self._delete(scope_id, user_id, [key])
        return gone[0] if gone else None

    def forget_matching(self, scope_id: str, user_id: str, words: str) -> WordMatches:
        """Erase the memories whose topic or category contains `words` (whole words, any
        case); offer, never erase, those that only mention them in the description or mean
        something close. `/forget the` erases nothing unless a topic is "the"."""
        words = words.strip()
        if not words:
            return WordMatches([], [])
        memories = self.list_all(scope_id, user_id)
        named = [m.key for m in memories if m.names(words)]
        offered = {m.key: m for m in memories if m.mentions(words) and m.key not in named}
        for item in self._store.search(
            namespace(scope_id, user_id), query=words, limit=50, refresh_ttl=False
        ):
            score = item.score if item.score is not None else 0.0
            if score >= SEMANTIC_FORGET_THRESHOLD and item.key not in named:
                offered.setdefault(item.key, Memory.from_item(item))
        forgotten = self._delete(scope_id, user_id, named)
        return WordMatches(forgotten, list(offered.values())[:MAX_OFFERED])

    def forget_from_message(
        self, scope_id: str, user_id: str, channel: str, ts: str
    ) -> list[Memory]:
        """Delete every memory that one message of the person's taught or reinforced."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT key FROM store WHERE prefix = %s AND value->'sources' @> %s::jsonb",
                (prefix(scope_id, user_id), json.dumps([{"channel": channel, "ts": ts}])),
            ).fetchall()
        return self._delete(scope_id, user_id, [r["key"] for r in rows])

    def sweep_expired(self) -> int:
        """Delete memories not reinforced within the TTL (vectors go by cascade)."""
        with self._pool.connection() as conn:
            return conn.execute(
                "DELETE FROM store WHERE prefix LIKE %s AND expires_at IS NOT NULL "
                "AND expires_at <= now()",
                (f"{MEMORY_ROOT}.%",),
            ).rowcount

    def _delete(self, scope_id: str, user_id: str, keys: Sequence[str]) -> list[Memory]:
        if not keys:
            return []
        with self._pool.connection() as conn:
            rows = conn.execute(
                "DELETE FROM store WHERE prefix = %s AND key = ANY(%s) "
                "RETURNING key, value, updated_at",
                (prefix(scope_id, user_id), list(keys)),
            ).fetchall()
        return [Memory.from_value(r["key"], r["value"], r["updated_at"]) for r in rows]


def _get(conn: Connection, scope_id: str, user_id: str, key: str) -> Memory | None:
    row = conn.execute(
        f"SELECT key, value, updated_at FROM store WHERE prefix = %s AND key = %s AND {LIVE}",
        (prefix(scope_id, user_id), key),
    ).fetchone()
    return Memory.from_value(row["key"], row["value"], row["updated_at"]) if row else None


def _encode_cursor(updated_at: datetime, key: str) -> str:
    return f"{updated_at.isoformat()}|{key}"


def _decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    stamp, _, key = cursor.partition("|")
    try:
        return datetime.fromisoformat(stamp), key
    except ValueError:
        return None
