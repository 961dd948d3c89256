"""Thumbs up/down on an answer: stored only for the person the answer was for."""

from __future__ import annotations

import pytest

from bot.db import answer_log
from bot.db.answer_log import AnswerRecord
from bot.i18n.catalogue import translator
from bot.slack import answer_blocks
from bot.slack.feedback import AnswerFeedback
from tests.unit.slack.conftest import INSTALLATION


@pytest.fixture
def feedback(slack, pool, profiles):
    return AnswerFeedback(
        slack=slack, pool=pool, installation=lambda: INSTALLATION, profiles=profiles
    )


@pytest.fixture
def answer(pool):
    record = AnswerRecord(
        team_id="T1",
        user_id="U1",
        channel="C1",
        message_ts="1.000001",
        answer_ts="1.000002",
        model="gpt-test-chat",
        total_ms=10,
        outcome="ok",
    )
    assert answer_log.record(pool, record) is not None
    return record


def _click(user: str, value: str) -> dict:
    return {
        "kind": "feedback",
        "user_id": user,
        "value": value,
        "channel": "C1",
        "answer_ts": "1.000002",
        "thread_ts": "1.000001",
    }


def _stored(pool) -> str | None:
    with pool.connection() as conn:
        return conn.execute("SELECT feedback FROM bot_answers").fetchone()["feedback"]


def test_the_person_asked_is_thanked_and_their_thumbs_up_kept(feedback, answer, pool, fake_slack):
    feedback.record(_click("U1", answer_blocks.GOOD))
    assert _stored(pool) == answer_blocks.GOOD
    [thanks] = fake_slack.calls_to("chat.postEphemeral")
    assert (thanks.params["user"], thanks.params["channel"]) == ("U1", "C1")


def test_someone_elses_click_changes_nothing(feedback, answer, pool, fake_slack):
    feedback.record(_click("U2", answer_blocks.BAD))
    assert _stored(pool) is None
    assert fake_slack.calls_to("chat.postEphemeral") == []


def test_a_forged_value_is_ignored(feedback, answer, pool):
    feedback.record(_click("U1", "<script>"))
    assert _stored(pool) is None


def test_the_thanks_is_in_the_persons_language(feedback, answer, fake_slack):
    fake_slack.profiles["U1"] = {"locale": "ja-JP"}
    feedback.record(_click("U1", answer_blocks.BAD))
    [thanks] = fake_slack.calls_to("chat.postEphemeral")
    assert thanks.params["text"] == translator("ja-JP")("feedback.thanks_bad")
