"""Learning from a message: LangMem extracts new or updated memories, which are written with
where they came from, one per topic, within the person's cap.

LangMem's `create_memory_manager` does the extraction, given the memories the reply already
recalled as the existing ones, so learning needs no search of its own. Writing happens here, in
one transaction under a per-person PostgreSQL advisory lock: concurrent messages from one person
(threads here, Lambda containers in production) are applied one after another, each seeing what
the previous one wrote, and a memory whose normalised topic is already known updates that one
instead of adding a second. All texts to embed go to the embedding API in one call. Under that
lock a message said before the person's last erasure is refused (bot/memory/watermarks.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.memory.schema import (
    LIVE,
    MAX_SOURCES_PER_MEMORY,
    MEMORY_KIND,
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
    from langchain_core.language_models import BaseChatModel
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

    from bot.db.storage import StoreBuilder

log = logging.getLogger(__name__)

EXTRACTION_INSTRUCTIONS = "Extract the user's interests and technical background in detail"
# The Home tab lists what the cap let go of most recently.
EVICTIONS_KEPT = 20

_INTEREST = (
    "CASE WHEN jsonb_typeof(value->'content'->'interest_level') = 'number' "
    "THEN (value->'content'->>'interest_level')::numeric END"
)


# (key of the existing memory it updates, or None for a new one; what it now says)
Change = tuple[str | None, UserTechInterest]


@dataclass(frozen=True)
class Learned:
    saved: list[Memory]
    evicted: list[str]  # topics let go of to stay within the cap


class Learner:
    def __init__(
        self,
        stores: StoreBuilder,
        pool: ConnectionPool,
        chat_model: Callable[[], BaseChatModel],
        *,
        max_per_person: int,
        ttl_minutes: float | None,
    ) -> None:
        """`chat_model` builds the extraction model when learning first needs it: LangMem and
        LangChain take over a second to import, which no answer should wait for."""
        self._stores = stores
        self._pool = pool
        self._chat_model = chat_model
        self._max = max_per_person
        self._ttl = ttl_minutes
        self._manager_lock = threading.Lock()
        self._built_manager: Any = None
        self._preparing: threading.Thread | None = None

    def prepare(self) -> None:
        """Load LangMem and build the extraction model now, if not yet done."""
        self._manager()

    def prepare_in_background(self) -> None:
        """Start loading LangMem and the extraction model on a thread of its own, once: called
        when an answer has started, so learning after it doesn't wait for the imports."""
        with self._manager_lock:
            if self._built_manager is not None or self._preparing is not None:
                return
            self._preparing = threading.Thread(
                target=self._prepare_quietly, name="learner-prepare", daemon=True
            )
        self._preparing.start()

    def _prepare_quietly(self) -> None:
        try:
            self.prepare()
        except Exception:  # noqa: BLE001 - learn() builds it again and reports the failure
            log.warning("could not prepare learning ahead", exc_info=True)

    def learn(
        self,
        scope_id: str,
        user_id: str,
        text: str,
        source: Source,
        existing: Sequence[Memory] = (),
        *,
        issued_at: float | None = None,
    ) -> Learned:
        """Extract memories from the person's own words and store them; `issued_at` is when
        the words were handed over (None: now). Raises Superseded if the person was erased
        since then."""
        changes = self.extract(text, existing)
        if not changes:
            return Learned([], [])
        return self.write(scope_id, user_id, changes, source, issued_at=issued_at)

    def extract(self, text: str, existing: Sequence[Memory] = ()) -> list[Change]:
        """What LangMem finds in the words: (key of the existing memory it updates or None for
        a new one, its content). Existing memories it left as they were are not listed."""
        if not text.strip():
            return []
        known = {m.key: m for m in existing}
        extracted = self._manager().invoke(
            {
                "messages": [{"role": "user", "content": text}],
                "existing": [(m.key, MEMORY_KIND, m.content) for m in existing],
            }
        )
        changes: list[Change] = []
        for item in extracted:
            if not isinstance(item.content, UserTechInterest):
                continue  # deletions are off; nothing else is a memory
            old = known.get(item.id)
            if old is not None and old.content == item.content:
                continue  # handed in as existing and left as it was
            changes.append((item.id if old else None, item.content))
        return changes

    def write(
        self,
        scope_id: str,
        user_id: str,
        changes: Sequence[Change],
        source: Source,
        *,
        first: Callable[[Connection], None] | None = None,
        issued_at: float | None = None,
    ) -> Learned:
        """Store extracted changes learned at `source`. `first` runs inside the same
        transaction and lock before anything is read (e.g. taking back an edited message).
        Raises Superseded if the person was erased after `issued_at` (None: now)."""
        from langgraph.store.base import PutOp

        ns = namespace(scope_id, user_id)
        with self._pool.connection() as conn, conn.transaction():
            hold_for_write(conn, scope_id, user_id, issued_at)
            if first is not None:
                first(conn)
            rows = conn.execute(
                f"SELECT key, value, updated_at FROM store WHERE prefix = %s AND {LIVE}",
                (prefix(scope_id, user_id),),
            ).fetchall()
            current = {r["key"]: Memory.from_value(r["key"], r["value"]) for r in rows}
            by_topic = {normalise_topic(m.topic): m for m in current.values()}
            written: dict[str, tuple[Memory, bool]] = {}  # key -> (memory, needs embedding)
            doomed: set[str] = set()
            for key, content in changes:
                topic = normalise_topic(content.topic)
                old = (current.get(key) if key else None) or by_topic.get(topic)
                if old is not None and old.key in written:
                    old = written[old.key][0]
                memory = _merge(old, content, source)
                if old is not None and normalise_topic(old.topic) != topic:
                    # Renamed onto a topic another memory holds: keep this one only.
                    twin = by_topic.get(topic)
                    if twin is not None and twin.key != memory.key:
                        doomed.add(twin.key)
                        written.pop(twin.key, None)
                by_topic[topic] = memory
                # Vectors embed topic and description: an update of neither keeps its vectors.
                changed = old is None or (old.topic, old.description) != (
                    memory.topic,
                    memory.description,
                )
                already = memory.key in written and written[memory.key][1]
                written[memory.key] = (memory, changed or already)
            ops = [PutOp(ns, key, None) for key in doomed]
            ops += [
                PutOp(ns, m.key, m.value(), index=None if reembed else False, ttl=self._ttl)
                for m, reembed in written.values()
            ]
            if ops:
                self._stores.on(conn).batch(ops)
            evicted = self._evict(conn, scope_id, user_id, keep=list(written))
        return Learned([m for m, _ in written.values()], evicted)

    def _evict(self, conn: Connection, scope_id: str, user_id: str, keep: list[str]) -> list[str]:
        """Over the cap, let go of the least recently reinforced first, the least interesting
        of those first."""
        pfx = prefix(scope_id, user_id)
        count = conn.execute(
            f"SELECT count(*) AS n FROM store WHERE prefix = %s AND {LIVE}", (pfx,)
        ).fetchone()["n"]
        excess = count - self._max
        if excess <= 0:
            return []
        gone = conn.execute(
            "DELETE FROM store WHERE prefix = %s AND key IN ("
            f"  SELECT key FROM store WHERE prefix = %s AND {LIVE} AND NOT (key = ANY(%s))"
            f"  ORDER BY updated_at ASC, {_INTEREST} ASC NULLS FIRST LIMIT %s"
            ") RETURNING value->'content'->>'topic' AS topic",
            (pfx, pfx, keep, excess),
        ).fetchall()
        topics = [row["topic"] or "(untitled)" for row in gone]
        if topics:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO bot_memory_evictions (team_id, user_id, topic) "
                    "VALUES (%s, %s, %s)",
                    [(scope_id, user_id, topic) for topic in topics],
                )
            conn.execute(
                "DELETE FROM bot_memory_evictions WHERE team_id = %s AND user_id = %s AND ctid "
                "NOT IN (SELECT ctid FROM bot_memory_evictions WHERE team_id = %s AND user_id = %s"
                " ORDER BY evicted_at DESC LIMIT %s)",
                (scope_id, user_id, scope_id, user_id, EVICTIONS_KEPT),
            )
            log.info("memory cap reached", extra={"evicted": len(topics)})
        return topics

    def _manager(self) -> Any:
        # LangMem pulls in LangChain; importing it here keeps it off every path but learning.
        with self._manager_lock:
            if self._built_manager is None:
                from langmem import create_memory_manager

                self._built_manager = create_memory_manager(
                    self._chat_model(),
                    schemas=[UserTechInterest],
                    instructions=EXTRACTION_INSTRUCTIONS,
                    enable_inserts=True,
                    enable_updates=True,
                    enable_deletes=False,
                )
            return self._built_manager


def _merge(old: Memory | None, content: UserTechInterest, source: Source) -> Memory:
    if old is None:
        return Memory(
            key=new_key(),
            topic=content.topic,
            category=content.category,
            interest_level=content.interest_level,
            description=content.description,
            private=source.kind.is_private,
            sources=(source,),
        )
    return Memory(
        key=old.key,
        topic=content.topic or old.topic,
        category=content.category or old.category,
        interest_level=(
            content.interest_level if content.interest_level is not None else old.interest_level
        ),
        description=content.description or old.description,
        # Once something private shaped a memory, it stays private.
        private=old.private or source.kind.is_private,
        sources=(*old.sources, source)[-MAX_SOURCES_PER_MEMORY:],
    )


def recent_evictions(pool: ConnectionPool, scope_id: str, user_id: str) -> list[tuple[str, Any]]:
    """(topic, when) of what the cap let go of, newest first."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT topic, evicted_at FROM bot_memory_evictions WHERE team_id = %s "
            "AND user_id = %s ORDER BY evicted_at DESC LIMIT %s",
            (scope_id, user_id, EVICTIONS_KEPT),
        ).fetchall()
    return [(row["topic"], row["evicted_at"]) for row in rows]
