"""Vectors go to PostgreSQL in binary and arrive exactly as the text form would."""

import random

from bot.db.storage import StoreBuilder
from bot.db.vectors import Vector
from bot.memory.schema import namespace
from bot.memory.service import MemoryService


def test_a_binary_vector_is_the_same_vector_as_its_text_form(pool):
    values = [random.Random(7).uniform(-1, 1) for _ in range(256)]
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT %s::vector::text AS binary, %s::vector::text AS text",
            (Vector(values), list(values)),
        ).fetchone()
    assert row["binary"] == row["text"]


def test_search_ranks_the_same_with_binary_and_text_query_vectors(pool):
    rng = random.Random(3)
    docs = {f"k{i}": [rng.uniform(-1, 1) for _ in range(256)] for i in range(30)}
    query = [rng.uniform(-1, 1) for _ in range(256)]
    vectors = {f"t{key}": vec for key, vec in docs.items()} | {"q": query}

    def embed(texts, wrap):
        return [wrap(vectors.get(t, query)) for t in texts]

    binary = StoreBuilder(lambda texts: embed(texts, Vector), 256)
    text = StoreBuilder(lambda texts: embed(texts, list), 256)
    for key in docs:
        binary.on(pool).put(namespace("T1", "U1"), key, {"content": {"topic": f"t{key}"}})

    ranked = {
        name: [
            m.key
            for m in MemoryService(stores, pool).relevant("T1", "U1", "q", 20, include_private=True)
        ]
        for name, stores in (("binary", binary), ("text", text))
    }
    assert ranked["binary"] == ranked["text"]
    assert len(ranked["binary"]) == 20
