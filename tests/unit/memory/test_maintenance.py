"""The uninstall job and the daily sweep."""

from __future__ import annotations

from datetime import timedelta

from bot.memory.installation import Installation
from bot.memory.maintenance import Maintenance
from bot.memory.schema import UserTechInterest

INSTALLATION = Installation("T1", "T1", None, "UBOT", "BBOT")


def _maintenance(conversation, pool, forgotten: list[str]) -> Maintenance:
    return Maintenance(
        pool=pool,
        memories=lambda: conversation.memories,
        forget_installation_cache=lambda: forgotten.append("cache"),
        installation=lambda: INSTALLATION,
        working_scope=lambda: "T1",
        revoked_grace_days=30,
    )


def test_an_uninstall_erases_the_installation_and_forgets_who_it_was(conversation, pool):
    forgotten: list[str] = []
    conversation.memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    _maintenance(conversation, pool, forgotten).uninstalled(
        {"kind": "uninstalled", "scope_id": "T1"}
    )
    assert conversation.memories.list_all("T1", "U1") == []
    assert forgotten == ["cache"]  # a reinstall is asked who it is afresh


def test_an_uninstall_without_a_scope_erases_nothing(conversation, pool):
    forgotten: list[str] = []
    conversation.memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    _maintenance(conversation, pool, forgotten).uninstalled({"kind": "uninstalled"})
    assert [m.topic for m in conversation.memories.list_all("T1", "U1")] == ["Rust"]
    assert forgotten == []


def test_the_sweep_deletes_only_expired_memories(conversation, pool):
    conversation.memories.save("T1", "U1", UserTechInterest(topic="Old"), private=True)
    conversation.memories.save("T1", "U1", UserTechInterest(topic="New"), private=True)
    with pool.connection() as conn:
        conn.execute(
            "UPDATE store SET expires_at = now() - %s WHERE value->'content'->>'topic' = 'Old'",
            (timedelta(days=1),),
        )
    assert _maintenance(conversation, pool, []).sweep().expired == 1
    assert [m.topic for m in conversation.memories.list_all("T1", "U1")] == ["New"]
