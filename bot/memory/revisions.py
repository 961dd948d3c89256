"""Taking back what one message taught, when its author edits or deletes it.

A memory lists the messages it was learned from (`sources`). Taking a message back deletes
the memories only that message taught and, from memories other messages taught too, removes
that message from their sources and keeps them: the other messages still say it. Runs inside
the caller's transaction, under the person's lock, so an edit's take-back and its re-learning
(bot/memory/learning.py `Learner.write(first=...)`) are applied as one.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.memory.schema import Memory, normalise_topic, prefix

if TYPE_CHECKING:
    from psycopg import Connection


@dataclass(frozen=True)
class TakenBack:
    forgotten: list[Memory]  # only that message taught them: deleted
    kept: list[Memory]  # other messages taught them too: kept, without that message


def taught_by(conn: Connection, scope_id: str, user_id: str, channel: str, ts: str) -> list[Memory]:
    """The person's memories that one of their messages taught or reinforced."""
    rows = conn.execute(
        "SELECT key, value, updated_at FROM store WHERE prefix = %s "
        "AND value->'sources' @> %s::jsonb",
        (prefix(scope_id, user_id), json.dumps([{"channel": channel, "ts": ts}])),
    ).fetchall()
    return [Memory.from_value(r["key"], r["value"], r["updated_at"]) for r in rows]


def take_back(
    conn: Connection,
    scope_id: str,
    user_id: str,
    channel: str,
    ts: str,
    *,
    keep_topics: Collection[str] = (),
) -> TakenBack:
    """Undo what the message (channel, ts) taught. `keep_topics` (normalised) are kept even if
    only it taught them: an edit that still says them is about to re-teach them."""
    forgotten, kept = [], []
    pfx = prefix(scope_id, user_id)
    for memory in taught_by(conn, scope_id, user_id, channel, ts):
        others = tuple(s for s in memory.sources if (s.channel, s.ts) != (channel, ts))
        if not others and normalise_topic(memory.topic) not in keep_topics:
            conn.execute("DELETE FROM store WHERE prefix = %s AND key = %s", (pfx, memory.key))
            forgotten.append(memory)
            continue
        memory = replace(memory, sources=others)
        # Only the provenance changes: no re-embedding, and no reinforcement (updated_at and
        # the TTL stay as they were, so the cap and expiry see it as before).
        conn.execute(
            "UPDATE store SET value = %s::jsonb WHERE prefix = %s AND key = %s",
            (json.dumps(memory.value()), pfx, memory.key),
        )
        kept.append(memory)
    return TakenBack(forgotten, kept)
