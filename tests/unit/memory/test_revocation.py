"""A revoked installation is marked, cleared when its token works again, and erased by the sweep
only once it has stayed revoked for the grace period."""

from __future__ import annotations

from bot.memory.adoption import register_and_adopt
from bot.memory.installation import Installation
from bot.memory.maintenance import Maintenance
from bot.memory.revocation import mark_revoked, revoked_longer_than
from bot.memory.schema import UserTechInterest

T1 = Installation("T1", "T1", None, "UBOT", "BBOT")


def _revoked(pool) -> dict[str, object]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT scope_id, revoked_at FROM bot_installations").fetchall()
    return {row["scope_id"]: row["revoked_at"] for row in rows}


def _age(pool, days: int) -> None:
    with pool.connection() as conn:
        conn.execute(
            "UPDATE bot_installations SET revoked_at = now() - make_interval(days => %s)", (days,)
        )


def _maintenance(conversation, pool, working_scope) -> Maintenance:
    return Maintenance(
        pool=pool,
        memories=lambda: conversation.memories,
        forget_installation_cache=lambda: None,
        installation=lambda: T1,
        working_scope=working_scope,
        revoked_grace_days=30,
    )


def test_a_revocation_is_marked_once_and_cleared_when_auth_test_names_the_installation(pool):
    assert mark_revoked(pool, "T1", None) is False  # never registered: nothing kept under it
    register_and_adopt(pool, T1, ttl_minutes=None)
    assert mark_revoked(pool, "T1", 1_800_000_000.0) is True
    first = _revoked(pool)["T1"]
    mark_revoked(pool, "T1", None)  # Slack says it again
    assert _revoked(pool)["T1"] == first
    register_and_adopt(pool, T1, ttl_minutes=None)  # a new process's auth.test succeeded
    assert _revoked(pool) == {"T1": None}


def test_the_grace_period_counts_from_the_revocation(pool):
    register_and_adopt(pool, T1, ttl_minutes=None)
    mark_revoked(pool, "T1", None)
    _age(pool, 29)
    assert revoked_longer_than(pool, 30) == []
    _age(pool, 30)
    assert revoked_longer_than(pool, 30) == ["T1"]


def test_the_sweep_erases_a_long_revoked_installation_only_when_its_token_is_dead(
    conversation, pool
):
    register_and_adopt(pool, T1, ttl_minutes=None)
    conversation.memories.save("T1", "U1", UserTechInterest(topic="Rust"), private=True)
    mark_revoked(pool, "T1", None)
    _age(pool, 31)

    def unreachable() -> str | None:
        raise ConnectionError("Slack can't be asked")

    assert _maintenance(conversation, pool, unreachable).sweep().installations == 0
    # The token now belongs to another installation altogether: this one is gone for good.
    assert _maintenance(conversation, pool, lambda: "T2").sweep().installations == 1
    assert conversation.memories.list_all("T1", "U1") == [] and _revoked(pool) == {}
