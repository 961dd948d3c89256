"""Saving from the editor holds one pooled connection, so concurrent saves can't starve the pool."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from bot.conversation.llm import openai_client
from bot.db.storage import open_pool
from bot.memory.schema import UserTechInterest, prefix
from bot.wiring import build_conversation


@pytest.mark.usefixtures("pool")  # the schema, and a clean store
def test_four_saves_at_once_with_a_pool_of_four_all_finish(settings, database_url):
    four = open_pool(database_url, max_size=4, open_timeout=3)
    try:
        memories = build_conversation(settings, pool=four, openai=openai_client(settings)).memories
        first = memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
        # Hold the person's lock from outside the pool, so all four saves take their
        # connection and queue on the lock before any of them goes on.
        with psycopg.connect(database_url, autocommit=True) as holder:
            holder.execute(
                "SELECT pg_advisory_lock(hashtextextended(%s, 0))", (prefix("T1", "U1"),)
            )
            with ThreadPoolExecutor(max_workers=4) as threads:
                saves = [
                    threads.submit(
                        memories.save,
                        "T1",
                        "U1",
                        UserTechInterest(topic="Rust", description=f"edit {i}"),
                        private=True,
                        key=first.key,
                    )
                    for i in range(4)
                ]
                _wait_until_waiting_on_the_lock(holder, 4)
                holder.execute(
                    "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (prefix("T1", "U1"),)
                )
                saved = [save.result() for save in saves]  # a PoolTimeout would raise here
        assert {memory.key for memory in saved} == {first.key}
        [kept] = memories.list_all("T1", "U1")
        assert kept.description in {f"edit {i}" for i in range(4)}
    finally:
        four.close()


def _wait_until_waiting_on_the_lock(conn: psycopg.Connection, count: int) -> None:
    for _ in range(200):
        waiting = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {waiting} saves reached the person's lock")
