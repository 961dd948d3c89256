"""Who knows about a topic: colleagues who chose to be findable, from what they said in public.

Only memories learned in public channels count: `private` false *and* every place it was learned
a public channel (a memory stays private once anything private shaped it, and a memory typed
into the Home tab was never said in public). One SQL query over the installation's opted-in
people: their namespaces are found through `store`'s primary key, each memory scored by its
topic or category naming the topic, or by the nearest of its embeddings (`store_vectors`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.memory.schema import LIVE, MEMORY_ROOT, ConversationKind, Memory, normalise_topic

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

# Cosine similarity from which a memory counts as being about the topic without naming it
# ("k8s" for Kubernetes). Lower than /forget's 0.6: listing a colleague for a neighbouring
# topic costs little, forgetting the wrong memory costs a lot.
SEMANTIC_MATCH_THRESHOLD = 0.45
MAX_PEOPLE = 10

_PUBLIC = ConversationKind.PUBLIC_CHANNEL.value

# Per person, their best memory for the topic; people ranked by that memory's interest level.
_WHO_KNOWS = f"""
WITH said_in_public AS (
    SELECT s.prefix, s.key, s.value, split_part(s.prefix, '.', 3) AS user_id
    FROM store s
    -- The opted-in people's namespaces as one array: an index scan of store's primary key
    -- whatever the planner guesses of the filters below (as a join it chose a sequential scan).
    WHERE s.prefix = ANY(ARRAY(
        SELECT %(prefix)s || user_id FROM bot_user_prefs
        WHERE team_id = %(scope)s AND findable AND user_id <> %(asker)s
    ))
      AND s.value->>'private' = 'false' AND {LIVE}
      AND s.value->'sources' @> '[{{"kind": "{_PUBLIC}"}}]'
      AND NOT jsonb_path_exists(s.value, '$.sources[*] ? (@.kind != "{_PUBLIC}")')
), scored AS (
    SELECT m.user_id, m.key, m.value,
        lower(regexp_replace(btrim(m.value->'content'->>'topic'), '\\s+', ' ', 'g')) = %(words)s
        OR lower(regexp_replace(btrim(coalesce(m.value->'content'->>'category', '')),
                                '\\s+', ' ', 'g')) = %(words)s AS named,
        (SELECT max(1 - (v.embedding <=> %(vector)s::vector)) FROM store_vectors v
         WHERE v.prefix = m.prefix AND v.key = m.key) AS similarity
    FROM said_in_public m
), best AS (
    SELECT DISTINCT ON (user_id) user_id, key, value, similarity,
        coalesce((value->'content'->>'interest_level')::int, 0) AS level
    FROM scored
    WHERE named OR similarity >= %(threshold)s
    ORDER BY user_id, named DESC,
        coalesce((value->'content'->>'interest_level')::int, 0) DESC, similarity DESC
)
SELECT user_id, key, value, similarity FROM best
ORDER BY level DESC, similarity DESC NULLS LAST, user_id
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Colleague:
    """Someone findable, with the memory that matched and where they said it in public."""

    user_id: str
    memory: Memory

    @property
    def permalink(self) -> str | None:
        for source in reversed(self.memory.sources):
            if source.kind is ConversationKind.PUBLIC_CHANNEL and source.permalink:
                return source.permalink
        return None

    @property
    def channel(self) -> str | None:
        for source in reversed(self.memory.sources):
            if source.kind is ConversationKind.PUBLIC_CHANNEL and source.channel:
                return source.channel
        return None


class Directory:
    def __init__(
        self, pool: ConnectionPool, embed: Callable[[Sequence[str]], list[list[float]]]
    ) -> None:
        self._pool = pool
        self._embed = embed

    def who_knows(
        self, scope_id: str, topic: str, *, asker: str, limit: int = MAX_PEOPLE
    ) -> list[Colleague]:
        """Findable colleagues of `asker` (never the asker) who talked about `topic` in public,
        the most interested first."""
        words = normalise_topic(topic)
        if not words:
            return []
        (vector,) = self._embed([words])
        with self._pool.connection() as conn:
            rows = conn.execute(
                _WHO_KNOWS,
                {
                    "scope": scope_id,
                    "asker": asker,
                    "prefix": f"{MEMORY_ROOT}.{scope_id}.",
                    "words": words,
                    "vector": vector,
                    "threshold": SEMANTIC_MATCH_THRESHOLD,
                    "limit": limit,
                },
            ).fetchall()
        return [
            Colleague(row["user_id"], Memory.from_value(row["key"], row["value"])) for row in rows
        ]
