"""Erasure is final and exact: what was asked goes, nothing of anyone else does."""

from __future__ import annotations

from bot.memory.erasure import forget_installation, forget_person, forget_user_everywhere
from bot.memory.preferences import PreferenceStore
from bot.memory.schema import UserTechInterest


def _remember(conversation, scope: str, user: str, topic: str) -> None:
    conversation.memories.save(scope, user, UserTechInterest(topic=topic), private=True)


def _topics(conversation, scope: str, user: str) -> list[str]:
    return [m.topic for m in conversation.memories.list_all(scope, user)]


def _vectors(pool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM store_vectors").fetchone()["n"]


def test_forgetting_a_person_keeps_their_learning_off_switch(conversation, pool):
    prefs = PreferenceStore(pool)
    _remember(conversation, "T1", "U1", "Rust")
    _remember(conversation, "T1", "U2", "Go")
    prefs.update("T1", "U1", learning_enabled=False)
    erased = forget_person(pool, "T1", "U1", keep_settings=True)
    assert (erased.memories, erased.settings_kept) == (1, True)
    assert _topics(conversation, "T1", "U1") == []
    assert _topics(conversation, "T1", "U2") == ["Go"]
    assert prefs.get("T1", "U1").learning_enabled is False


def test_an_uninstall_erases_that_installation_only_vectors_included(conversation, pool):
    _remember(conversation, "T1", "U1", "Rust")
    _remember(conversation, "T2", "U1", "Go")
    erased = forget_installation(pool, "T1")
    assert erased.memories == 1
    assert _topics(conversation, "T1", "U1") == []
    assert _topics(conversation, "T2", "U1") == ["Go"]
    assert _vectors(pool) == 1  # one memory left, one embedding left


def test_an_admin_erasure_takes_the_person_from_every_installation(conversation, pool):
    _remember(conversation, "T1", "U1", "Rust")
    _remember(conversation, "T2", "U1", "Go")
    _remember(conversation, "T1", "U2", "Kafka")
    PreferenceStore(pool).update("T2", "U1", learning_enabled=False)
    assert forget_user_everywhere(pool, "U1").memories == 2
    assert PreferenceStore(pool).get("T2", "U1").learning_enabled is True  # the row is gone
    assert _topics(conversation, "T1", "U2") == ["Kafka"]
