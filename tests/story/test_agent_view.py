"""Slack's agent experience: opening the bot's DM pins suggested prompts made from what the bot
remembers about that person, about the channel they are viewing when Slack says; installs still
on the assistant experience get the same prompts per assistant thread."""

from __future__ import annotations

import json

from bot.i18n.catalogue import ENGLISH, translator
from tests.story import test_lambda as lambda_story
from tests.story import test_socket_mode as socket_story
from tests.support import slack_requests as sr

deployment = lambda_story.deployment
served_bot = socket_story.served_bot


def _prompts(call) -> list[dict]:
    return call.json_param("prompts")


def _titles(call) -> list[str]:
    return [p["title"] for p in _prompts(call)]


def _rust_fan(bot) -> None:
    """Rust twice (the stronger interest), Kubernetes once."""
    bot.dm("U1", "I love Rust.")
    bot.dm("U1", "Rust is my favourite, really.")
    bot.dm("U1", "Kubernetes at work.")
    bot.drain()


def test_opening_the_dm_pins_prompts_that_name_the_persons_top_interest(bot):
    _rust_fan(bot)
    posted = len(bot.slack.calls_to("chat.postMessage"))
    assert bot.event(sr.app_home_opened_event("U1")).status == 200

    (call,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert call.params["channel_id"] == "D1"
    # The agent experience pins them to the DM: a thread_ts there makes Slack drop the call.
    assert "thread_ts" not in call.params
    assert call.params["title"] == ENGLISH("assistant.prompts_title")
    prompts = _prompts(call)
    assert prompts[0] == {
        "title": "What's new in Rust?",
        "message": ENGLISH("assistant.prompt_news", topic="Rust"),
    }
    assert "Rust with Kubernetes" in _titles(call)
    assert any("Rust, Kubernetes" in p["message"] for p in prompts)
    assert 1 <= len(prompts) <= 4
    # The prompts are the only thing that happened: no message.
    assert len(bot.slack.calls_to("chat.postMessage")) == posted


def test_someone_the_bot_knows_nothing_about_gets_a_friendly_generic_set(bot):
    bot.event(sr.app_home_opened_event("U7", channel="D7"))
    (call,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert call.params["channel_id"] == "D7"
    assert _titles(call) == [
        "What do you remember about me?",
        "Recommend three topics for me",
        "What can you do?",
        "What's new in tech?",
    ]


def test_the_home_tab_opening_publishes_the_home_tab_and_sets_no_prompts(bot):
    bot.event(sr.app_home_opened_event("U1", tab="home"))
    assert bot.slack.calls_to("views.publish")
    assert bot.slack.calls_to("assistant.threads.setSuggestedPrompts") == []


def test_the_channel_the_person_is_viewing_gets_prompts_about_it(bot):
    bot.slack.channels["C9"] = {"name": "infra", "is_channel": True, "is_private": False}
    bot.mention("U1", "we run Kubernetes here", channel="C9")
    bot.dm("U1", "I love Rust.")
    bot.dm("U1", "Rust is my favourite.")
    bot.drain()

    bot.event(sr.app_home_opened_event("U1", viewing="C9"))
    (call,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    prompts = _prompts(call)
    assert prompts[0] == {
        "title": "Catch me up on #infra",
        "message": "Catch me up on <#C9>: what has been discussed lately?",
    }
    # The topic is the one learned in that channel, not the stronger interest from the DM.
    assert prompts[1] == {
        "title": "Kubernetes in #infra",
        "message": "What's been discussed about Kubernetes in <#C9>?",
    }
    assert prompts[2]["title"] == "What's new in Rust?"
    assert "thread_ts" not in call.params


def test_a_channel_the_bot_cannot_see_or_a_dm_gets_no_channel_prompts(bot):
    bot.dm("U1", "I love Rust.")
    bot.slack.fail_next("conversations.info", status=200, error="channel_not_found")
    bot.event(sr.app_home_opened_event("U1", viewing="C404"))
    bot.event(sr.app_home_opened_event("U1", viewing="D555"))
    for call in bot.slack.calls_to("assistant.threads.setSuggestedPrompts"):
        assert not any("#" in p["title"] for p in _prompts(call))
        assert _titles(call)[0] == "What's new in Rust?"


def test_switching_channels_with_the_bot_open_updates_the_prompts_of_the_dm(bot):
    bot.slack.channels["C9"] = {"name": "infra", "is_channel": True}
    bot.dm("U1", "I love Rust.")
    event = {
        "type": "app_context_changed",
        "user": "U1",
        "context": {"entities": [{"type": "slack#/types/channel_id", "value": "C9"}]},
    }
    assert bot.event(event).status == 200
    (call,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    # The event names no DM: it is the person's own, opened with conversations.open.
    (opened,) = bot.slack.calls_to("conversations.open")
    assert opened.params["users"] == "U1"
    assert call.params["channel_id"] == "D1"
    assert "thread_ts" not in call.params
    assert _titles(call)[:2] == ["Catch me up on #infra", "Rust in #infra"]


def test_the_legacy_assistant_thread_gets_the_same_personal_prompts_with_its_thread(bot):
    _rust_fan(bot)
    bot.slack.channels["C9"] = {"name": "infra", "is_channel": True}
    thread = {"user_id": "U1", "channel_id": "D1", "thread_ts": "1700000900.000001"}
    bot.event({"type": "assistant_thread_started", "assistant_thread": thread})
    (started,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert started.params["thread_ts"] == "1700000900.000001"
    assert _titles(started)[0] == "What's new in Rust?"

    changed = {**thread, "context": {"channel_id": "C9", "team_id": "T1"}}
    bot.event({"type": "assistant_thread_context_changed", "assistant_thread": changed})
    (_, moved) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert moved.params["thread_ts"] == "1700000900.000001"
    assert _titles(moved)[0] == "Catch me up on #infra"


def test_a_japanese_reader_gets_prompts_in_japanese_naming_their_interest(bot):
    bot.slack.profiles["U1"] = {"locale": "ja-JP"}
    bot.dm("U1", "Rust が好きです。")
    bot.event(sr.app_home_opened_event("U1"))
    (call,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    japanese = translator("ja-JP")
    assert call.params["title"] == japanese("assistant.prompts_title")
    assert _prompts(call)[0] == {
        "title": "Rust の最新情報は？",
        "message": japanese("assistant.prompt_news", topic="Rust"),
    }


def test_slack_refusing_the_prompts_bothers_nobody(bot):
    bot.slack.fail_next("assistant.threads.setSuggestedPrompts", status=200, error="invalid_arg")
    assert bot.event(sr.app_home_opened_event("U1")).status == 200
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.slack.calls_to("chat.postEphemeral") == []


def test_with_the_database_down_the_generic_prompts_still_arrive(bot, pool):
    bot.dm("U1", "I love Rust.")
    with pool.connection() as conn:
        conn.execute("ALTER TABLE store RENAME TO store_away")
    try:
        bot.event(sr.app_home_opened_event("U1"))
    finally:
        with pool.connection() as conn:
            conn.execute("ALTER TABLE store_away RENAME TO store")
    (call,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert _titles(call)[0] == "What do you remember about me?"


def test_through_the_lambda_handler_the_dm_gets_its_prompts(deployment, fake_slack):
    deployment.dm("U1", "I love Rust.")
    deployment.run_async_invokes()
    body = sr.event_body(sr.app_home_opened_event("U1"), team_id="T1")
    assert deployment.request(body)["statusCode"] == 200
    assert fake_slack.calls_to("assistant.threads.setSuggestedPrompts") == []  # not in the ack
    assert deployment.run_async_invokes() == 1
    (call,) = fake_slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert call.params["channel_id"] == "D1" and "thread_ts" not in call.params
    assert _titles(call)[0] == "What's new in Rust?"


def test_over_socket_mode_the_dm_gets_its_prompts(served_bot, fake_slack):
    envelope = served_bot.send(
        "events_api", json.loads(sr.event_body(sr.app_home_opened_event("U1"), team_id="T1"))
    )
    served_bot.ack(envelope, timeout=60)
    (call,) = fake_slack.wait_for("assistant.threads.setSuggestedPrompts", timeout=30)
    assert call.params["channel_id"] == "D1" and "thread_ts" not in call.params
    assert _titles(call)[0] == "What do you remember about me?"


# --- "Catch me up on #channel": the prompt's answer reads that channel ------------------------


def _channel_said(fake_slack) -> None:
    fake_slack.set_history(
        "CINFRA",
        [
            {
                "type": "message",
                "user": "U7",
                "ts": "1700009000.000001",
                "text": "Cluster upgraded",
            },
            {
                "type": "message",
                "user": "U8",
                "ts": "1700009000.000002",
                "text": "Postgres is slow",
            },
        ],
    )


def test_a_dm_naming_a_public_channel_the_asker_is_in_reads_its_latest_messages(bot):
    _channel_said(bot.slack)
    bot.slack.members["CINFRA"] = ["U1", "U7", "U8"]
    bot.dm("U1", "Catch me up on <#CINFRA|infra>: what has been discussed lately?")

    request = bot.openai.bodies("responses")[-1]
    items = [item["content"] for item in request["input"]]
    # Each message is its author's, marked as someone else's words, oldest first; the asker's
    # message is the request.
    assert "U7" in items[0] and "Cluster upgraded" in items[0]
    assert "U8" in items[1] and "Postgres is slow" in items[1]
    assert request["input"][-1]["role"] == "user" and "Catch me up" in items[-1]


def test_a_channel_the_asker_is_not_in_or_that_is_private_stays_unread(bot):
    _channel_said(bot.slack)
    bot.slack.members["CINFRA"] = ["U7", "U8"]  # the asker is not a member
    bot.dm("U1", "Catch me up on <#CINFRA>")
    bot.slack.channels["CSECRET"] = {"is_private": True}
    bot.slack.set_history("CSECRET", [{"type": "message", "user": "U7", "ts": "1.1", "text": "x"}])
    bot.slack.members["CSECRET"] = ["U1", "U7"]
    bot.dm("U1", "Catch me up on <#CSECRET>")

    for request in bot.openai.bodies("responses"):
        assert len(request["input"]) == 1  # only the asker's own message
    assert bot.slack.calls_to("conversations.history") == []
