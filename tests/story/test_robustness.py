"""Bad input and failing neighbours: a clear answer or a quiet ignore, never a crash or silence."""

from __future__ import annotations

import json
import logging

import pytest
from slack_bolt import BoltRequest

from bot.conversation.llm import openai_client
from bot.conversation.prompt import MAX_MESSAGE_CHARS
from bot.conversation.turn import EMPTY_MESSAGE
from bot.db.storage import open_pool
from bot.slack.notices import APOLOGY
from bot.wiring import build_app, build_worker, slack_client
from tests.support import slack_requests as sr
from tests.support.harness import Bot, wire_bot


def _bot_messages(bot, channel="D1"):
    return [m["text"] for m in bot.slack.messages(channel)]


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B999"},  # another bot
        {"user": "UBOT"},  # the bot itself
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join"},
        {"subtype": "bot_message", "bot_id": "B999"},
    ],
)
def test_bot_messages_edits_and_other_subtypes_get_no_reply_and_no_memory(bot, extra):
    event = sr.dm_event("U1", "I love Rust", team_id="T1")
    event.update(extra)
    response = bot.event(event)
    assert response.status == 200
    assert _bot_messages(bot) == []
    assert bot.openai.requests == []
    assert bot.rows("T1", "U1") == (0, 0)


def test_channel_messages_without_a_mention_are_ignored(bot):
    event = sr.dm_event("U1", "I love Rust", team_id="T1", channel="C9")
    event["channel_type"] = "channel"
    assert bot.event(event).status == 200
    assert bot.slack.messages("C9") == []
    assert bot.openai.requests == []


def test_an_empty_mention_gets_a_friendly_hint_without_a_model_call(bot):
    bot.mention("U1", "   ")
    assert [m["text"] for m in bot.slack.messages("C1")] == [EMPTY_MESSAGE]
    assert bot.openai.requests == []


def test_a_file_only_message_it_cannot_read_is_told_what_it_can_read(bot):
    files = [{"id": "F1", "name": "notes.docx", "mimetype": "application/msword", "size": 10}]
    bot.dm("U1", "", subtype="file_share", files=files)
    (told,) = _bot_messages(bot)
    assert "notes.docx" in told and "PDF" in told
    assert bot.openai.requests == []


def test_an_unreadable_file_with_a_caption_is_answered_from_the_caption_and_named(bot):
    bot.openai.reply_text = "Nice diagram."
    bot.dm("U1", "what do you think of this?", subtype="file_share", files=[{"id": "F1"}])
    answer, note = _bot_messages(bot)
    assert answer == "Nice diagram."
    assert "I can read images" in note


def test_a_huge_message_gets_one_answer_and_the_model_input_is_bounded(bot):
    huge = "I love Rust. " + "lorem ipsum " * 3_400  # ~40,000 characters
    assert len(huge) >= 40_000
    bot.dm("U1", huge)
    assert len(_bot_messages(bot)) == 1
    (request,) = bot.openai.bodies("responses")
    user_text = request["input"][-1]["content"]
    assert len(user_text) <= MAX_MESSAGE_CHARS
    assert user_text.endswith("[The message was too long and was cut here.]")
    for body in bot.openai.bodies("chat"):
        assert len(json.dumps(body)) < 3 * MAX_MESSAGE_CHARS
    assert bot.topics("T1", "U1") == {"Rust"}


def test_emoji_and_right_to_left_text_pass_through_intact(bot):
    text = "مرحبا 👋🏽 שלום — do you know Rust? 🦀"
    bot.dm("U1", text)
    (request,) = bot.openai.bodies("responses")
    assert request["input"][-1]["content"] == text
    assert len(_bot_messages(bot)) == 1


def test_a_slack_retry_of_the_same_event_gets_no_second_reply(bot):
    event = sr.dm_event("U1", "hello", team_id="T1")
    bot.event(event, event_id="Ev-same")
    for retry in range(1, 4):
        response = bot.event(
            event,
            event_id="Ev-same",
            headers={"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"},
        )
        assert response.status == 200
    assert len(_bot_messages(bot)) == 1
    assert len(bot.openai.bodies("responses")) == 1


def test_a_model_timeout_after_retries_gets_an_apology(bot):
    # The test settings give the SDK a 5 s timeout and one retry.
    bot.openai.fail_next("responses", status=None, delay=6, count=2)
    bot.dm("U1", "are you there?")
    assert _bot_messages(bot) == [APOLOGY]
    assert bot.rows("T1", "U1") == (0, 0)


def test_a_rate_limited_model_gets_an_apology_and_no_memory_is_lost_later(bot):
    bot.openai.fail_next("responses", status=429, count=2, retry_after=0)
    bot.dm("U1", "I love Rust")
    assert _bot_messages(bot) == [APOLOGY]
    bot.dm("U1", "I love Rust")
    assert bot.topics("T1", "U1") == {"Rust"}


def test_unhandled_events_actions_and_commands_still_get_200(bot):
    assert bot.event({"type": "reaction_added", "user": "U1", "reaction": "tada"}).status == 200
    response, _ = bot.click("some_other_button", user="U1")
    assert response.status == 200
    response, _ = bot.command("/unknown", "x", user="U1")
    assert response.status == 200


def test_a_bad_signature_is_rejected(bot):
    body = sr.event_body(sr.dm_event("U1", "hi", team_id="T1"), team_id="T1")
    request = BoltRequest(
        body=body,
        headers={
            "content-type": "application/json",
            **sr.signed_headers(body, "not-the-secret"),
        },
    )
    assert bot.app.dispatch(request).status == 401
    bot.drain()
    assert bot.slack.calls_to("chat.postMessage") == []


def test_unknown_subcommands_and_help_answer_with_usage(bot):
    _, url = bot.command("/interests", "frobnicate", user="U1")
    assert "/interests export" in bot.last_response_text(url)
    _, url = bot.command("/interests", "help", user="U1")
    assert "/forget <words>" in bot.last_response_text(url)
    _, url = bot.command("/forget", "help", user="U1")
    assert "/forget <words>" in bot.last_response_text(url)


class _Recorder:
    def __init__(self):
        self.jobs = []

    def submit(self, job):
        self.jobs.append(job)


def test_acks_make_no_model_or_embedding_call(settings, pool, fake_openai, fake_slack):
    recorder = _Recorder()
    slack = slack_client(settings)
    app = build_app(settings, client=slack, submit=recorder.submit)
    harness = Bot(app=app, dispatcher=None, slack=fake_slack, openai=fake_openai, pool=pool)

    def send(body, form=False):
        return harness.send(body, form=form).status

    url = fake_slack.response_url("x")
    assert send(sr.event_body(sr.dm_event("U1", "I love Rust", team_id="T1"), team_id="T1")) == 200
    assert (
        send(sr.command_body("/forget", "rust", user="U1", team_id="T1", response_url=url), True)
        == 200
    )
    assert (
        send(sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url), True)
        == 200
    )
    assert (
        send(sr.action_body("forget_all_confirm", user="U1", team_id="T1", response_url=url), True)
        == 200
    )
    assert fake_openai.requests == []
    assert [job["kind"] for job in recorder.jobs] == [
        "reply",
        "forget_words",
        "interests",
        "forget_all",
    ]

    # The same jobs, run afterwards, do the work.
    worker = build_worker(settings, slack=slack, pool=pool, openai=openai_client(settings))
    for job in recorder.jobs:
        worker.run(job)
    assert fake_openai.bodies("responses")


@pytest.fixture
def bot_without_database(settings, fake_slack, fake_openai):
    # Nothing listens on port 1: every connection attempt is refused at once.
    dead = open_pool(
        "postgresql://postgres@127.0.0.1:1/postgres", open_timeout=1, connect_timeout=1
    )
    bot = wire_bot(settings, dead, fake_slack, fake_openai)
    yield bot
    bot.close()
    dead.close()


def test_with_the_database_down_the_bot_still_answers_and_logs_it(bot_without_database, caplog):
    bot = bot_without_database
    bot.openai.reply_text = "Still here."
    with caplog.at_level(logging.WARNING):
        bot.dm("U1", "I love Rust")
    assert _bot_messages(bot) == ["Still here."]
    (request,) = bot.openai.bodies("responses")
    assert "Nothing is remembered" in request["instructions"]
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_with_the_database_down_commands_say_so(bot_without_database):
    bot = bot_without_database
    _, url = bot.command("/interests", user="U1")
    assert "can't reach my memory" in bot.last_response_text(url)


def test_when_the_hand_off_fails_the_person_still_gets_an_answer(settings, pool, fake_slack):
    def refuse(job):
        raise RuntimeError("Lambda said TooManyRequestsException")

    app = build_app(settings, client=slack_client(settings), submit=refuse)
    harness = Bot(app=app, dispatcher=None, slack=fake_slack, openai=None, pool=pool)
    body = sr.event_body(sr.dm_event("U1", "hello", team_id="T1"), team_id="T1")
    assert harness.send(body).status == 200
    assert [m["text"] for m in fake_slack.messages("D1")] == [APOLOGY]
