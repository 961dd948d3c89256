"""Watermarks: a write on behalf of a job issued before the person's last erasure (or, for
settings, their last change) is refused, however the two interleave."""

from __future__ import annotations

import threading
import time

import pytest

from bot.memory.adoption import register_and_adopt
from bot.memory.installation import Installation
from bot.memory.preferences import PreferenceStore
from bot.memory.schema import ConversationKind, Source, UserTechInterest, person_lock
from bot.memory.watermarks import (
    EVERYONE,
    EVERYWHERE,
    Superseded,
    Watermarks,
    everywhere_lock,
    installation_lock,
    record_erasure,
)

T0 = 1_800_000_000.0  # epoch seconds: when the jobs below were handed over


def _topics(conversation, user: str = "U1") -> list[str]:
    return [m.topic for m in conversation.memories.list_all("T1", user)]


def _save(conversation, topic: str, issued_at: float | None, user: str = "U1") -> None:
    conversation.memories.save(
        "T1", user, UserTechInterest(topic=topic), private=True, issued_at=issued_at
    )


def test_an_edit_issued_before_the_erasure_is_refused_and_one_issued_after_is_saved(
    conversation, pool
):
    with pool.connection() as conn:
        record_erasure(conn, "T1", "U1", T0)
    with pytest.raises(Superseded):
        _save(conversation, "Rust", T0 - 1)
    _save(conversation, "Go", T0 + 1)
    _save(conversation, "Kotlin", T0 + 1, user="U2")  # someone else was never erased
    assert _topics(conversation) == ["Go"] and _topics(conversation, "U2") == ["Kotlin"]


@pytest.mark.parametrize(
    "erasing",
    [
        lambda conn: (person_lock(conn, "T1", "U1"), record_erasure(conn, "T1", "U1", T0)),
        lambda conn: (everywhere_lock(conn, "U1"), record_erasure(conn, EVERYWHERE, "U1", T0)),
        lambda conn: (installation_lock(conn, "T1"), record_erasure(conn, "T1", EVERYONE, T0)),
    ],
    ids=["the person", "the person everywhere", "the installation"],
)
def test_a_write_racing_an_erasure_waits_for_it_then_is_refused(conversation, pool, erasing):
    outcome: list[str] = []

    def write() -> None:
        try:
            _save(conversation, "Rust", T0 - 1)
            outcome.append("saved")
        except Superseded:
            outcome.append("refused")

    with pool.connection() as conn, conn.transaction():  # an erasure, not yet committed
        erasing(conn)
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and outcome == []  # it waits for the erasure's lock
    writer.join(10)
    assert outcome == ["refused"] and _topics(conversation) == []


def test_learning_from_words_said_before_the_erasure_is_refused(conversation, pool, fake_openai):
    with pool.connection() as conn:
        record_erasure(conn, "T1", "U1", T0)
    with pytest.raises(Superseded):
        conversation.learn(
            "T1", "U1", "I'm learning Rust", Source(ConversationKind.DM), issued_at=T0 - 5
        )
    conversation.learn(
        "T1", "U1", "I'm learning Rust", Source(ConversationKind.DM), issued_at=T0 + 5
    )
    assert _topics(conversation) == ["Rust"]


def test_a_settings_change_from_before_a_later_one_is_refused_even_back_at_the_defaults(pool):
    prefs = PreferenceStore(pool)
    prefs.update("T1", "U1", issued_at=T0 + 2, learning_enabled=False)
    with pytest.raises(Superseded):  # "on", clicked before "off", run after it
        prefs.update("T1", "U1", issued_at=T0 + 1, learning_enabled=True)
    assert prefs.get("T1", "U1").learning_enabled is False

    prefs.update("T1", "U1", issued_at=T0 + 3, learning_enabled=True)  # at the defaults: no row
    with pytest.raises(Superseded):  # the "off" again, replayed
        prefs.update("T1", "U1", issued_at=T0 + 2, learning_enabled=False)
    assert prefs.get("T1", "U1").learning_enabled is True


def test_an_erasure_supersedes_every_settings_change_issued_before_it(pool):
    prefs = PreferenceStore(pool)
    with pool.connection() as conn:
        record_erasure(conn, "T1", "U1", T0)
    with pytest.raises(Superseded):
        prefs.update("T1", "U1", issued_at=T0 - 1, private_in_channels=True)
    assert prefs.get("T1", "U1").private_in_channels is False


def test_the_watermark_never_moves_back(pool):
    with pool.connection() as conn:
        assert record_erasure(conn, "T1", "U1", T0) == T0
        assert record_erasure(conn, "T1", "U1", T0 - 100) == T0  # an old /forget, replayed
    marks = Watermarks(pool)
    assert marks.erased_since("T1", "U1", T0 - 50)
    assert not marks.erased_since("T1", "U1", T0 + 1)
    assert marks.erased_since("T1", "U1", None)  # no issue time: assume the worst
    assert not marks.erased_since("T1", "U2", T0 - 50)


def test_watermarks_no_job_can_predate_are_pruned(pool):
    now = time.time()
    with pool.connection() as conn:
        record_erasure(conn, "T1", "U1", now - 16 * 24 * 3600)
        record_erasure(conn, "T1", "U2", now - 3600)
    assert Watermarks(pool).prune() == 1
    with pool.connection() as conn:
        users = [r["user_id"] for r in conn.execute("SELECT user_id FROM bot_watermarks")]
    assert users == ["U2"]


def test_adoption_deletes_rather_than_adopts_leftovers_of_someone_erased_since(pool):
    with pool.connection() as conn:
        for user, topic in (("U1", "Go"), ("U2", "Rust")):
            conn.execute(
                "INSERT INTO store (prefix, key, value) VALUES (%s, %s, %s::jsonb)",
                (f"memories.TOLD.{user}", f"k-{user}", f'{{"content": {{"topic": "{topic}"}}}}'),
            )
        conn.execute(
            "INSERT INTO bot_user_prefs (team_id, user_id, learning_enabled) "
            "VALUES ('TOLD', 'U1', false)"
        )
        record_erasure(conn, EVERYWHERE, "U1", None)  # `bot forget-user U1`, after those rows
    installation = Installation("T1", "T1", None, "UBOT", "BBOT")
    assert register_and_adopt(pool, installation, ttl_minutes=None) == 1
    with pool.connection() as conn:
        prefixes = [r["prefix"] for r in conn.execute("SELECT prefix FROM store")]
        prefs = conn.execute("SELECT count(*) AS n FROM bot_user_prefs").fetchone()["n"]
    assert prefixes == ["memories.T1.U2"] and prefs == 0
