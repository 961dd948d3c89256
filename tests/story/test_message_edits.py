"""Memory follows Slack: editing a message the bot learned from re-learns from the new words,
deleting it takes back what only it taught, and nobody else's memories ever change."""

from __future__ import annotations

import json
import time

from bot.jobs.limits import MAX_MESSAGE_CHARS
from tests.fakes.openai_fake import last_user_text
from tests.story import test_lambda as lambda_story
from tests.story import test_socket_mode as socket_story
from tests.support import slack_requests as sr

deployment = lambda_story.deployment
served_bot = socket_story.served_bot

FIRST = "1700001000.000100"
SECOND = "1700001001.000100"


def _memories(bot, user: str = "U1", team: str = "T1") -> dict[str, dict]:
    with bot.pool.connection() as conn:
        rows = conn.execute(
            "SELECT key, value FROM store WHERE prefix = %s", (f"memories.{team}.{user}",)
        ).fetchall()
    return {r["value"]["content"]["topic"]: {"key": r["key"], **r["value"]} for r in rows}


def _source_ts(memory: dict) -> list[str]:
    return [s["ts"] for s in memory["sources"]]


def _edit(bot, old: str, new: str, *, ts: str = FIRST, user: str = "U1", **fields):
    return bot.event(sr.message_changed_event(user, old, new, ts=ts, team_id="T1", **fields))


def _delete(bot, text: str, *, ts: str = FIRST, user: str = "U1", **fields):
    return bot.event(sr.message_deleted_event(user, text, ts=ts, team_id="T1", **fields))


def test_an_edited_dm_forgets_what_only_the_old_words_taught_and_learns_the_new(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    assert set(_memories(bot)) == {"Rust"}
    answers = len(bot.slack.messages("D1"))
    replies = len(bot.openai.bodies("responses"))

    assert _edit(bot, "I love Rust.", "Actually I love Go.").status == 200

    memories = _memories(bot)
    assert set(memories) == {"Go"}
    # The new memory says where it came from: the edited message, with its link.
    (source,) = memories["Go"]["sources"]
    assert (source["channel"], source["ts"], source["kind"]) == ("D1", FIRST, "dm")
    assert source["permalink"]
    # No second answer: the person already has one.
    assert len(bot.slack.messages("D1")) == answers
    assert len(bot.openai.bodies("responses")) == replies
    assert bot.rows("T1", "U1")[0] == 1
    # The Home tab shows the change.
    assert bot.slack.calls_to("views.publish")


def test_a_topic_the_new_words_still_say_keeps_its_memory_with_one_source(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    rust = _memories(bot)["Rust"]
    _edit(bot, "I love Rust.", "I love Rust and Kafka.")
    memories = _memories(bot)
    assert set(memories) == {"Rust", "Kafka"}
    assert memories["Rust"]["key"] == rust["key"]
    assert _source_ts(memories["Rust"]) == [FIRST]
    assert memories["Rust"]["content"]["description"] == "Mentioned: I love Rust and Kafka."


def test_a_topic_other_messages_taught_too_stays_without_the_edited_one(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    bot.dm("U1", "Rust and Docker at work.", ts=SECOND)
    assert _source_ts(_memories(bot)["Rust"]) == [FIRST, SECOND]

    _edit(bot, "I love Rust.", "I like Python.")
    memories = _memories(bot)
    assert set(memories) == {"Rust", "Docker", "Python"}
    assert _source_ts(memories["Rust"]) == [SECOND]
    assert _source_ts(memories["Python"]) == [FIRST]


def test_a_deleted_dm_takes_back_what_only_it_taught(bot):
    bot.dm("U1", "I love Rust and Go.", ts=FIRST)
    bot.dm("U1", "Go at work.", ts=SECOND)
    rust = _memories(bot)["Rust"]["key"]
    before = len(bot.openai.requests)

    assert _delete(bot, "I love Rust and Go.").status == 200
    memories = _memories(bot)
    assert set(memories) == {"Go"}
    assert _source_ts(memories["Go"]) == [SECOND]
    with bot.pool.connection() as conn:  # Rust's vectors went with it
        vectors = conn.execute("SELECT count(*) AS n FROM store_vectors WHERE key = %s", (rust,))
        assert vectors.fetchone()["n"] == 0
    assert len(bot.openai.requests) == before  # taking back needs no model

    _delete(bot, "Go at work.", ts=SECOND)
    assert _memories(bot) == {}
    assert bot.rows("T1", "U1") == (0, 0)


def test_only_the_authors_memories_change(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    bot.dm("U2", "I love Rust.", ts=FIRST, channel="D2")
    _delete(bot, "I love Rust.", user="U2", channel="D2")
    assert set(_memories(bot, "U1")) == {"Rust"}
    assert _memories(bot, "U2") == {}

    # An edit whose new version names someone else as its author is not believed.
    event = sr.message_changed_event("U1", "I love Rust.", "I love Go.", ts=FIRST, team_id="T1")
    event["message"]["user"] = "U3"
    bot.event(event)
    assert set(_memories(bot, "U1")) == {"Rust"}
    assert _memories(bot, "U3") == {}


def test_edits_by_bots_of_the_bots_own_answers_and_unfurls_are_ignored(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    before = len(bot.openai.requests), len(bot.slack.calls)

    # The bot growing its own answer (chat.update) arrives as an edit of the bot's message.
    answer = sr.message_changed_event("UBOT", "Thinking…", "Rust is great", ts=SECOND, team_id="T1")
    answer["message"]["bot_id"] = answer["previous_message"]["bot_id"] = "BBOT"
    bot.event(answer)
    # Another app's message.
    other = sr.message_changed_event("U1", "I love Rust.", "Go", ts=FIRST, team_id="T1")
    other["message"]["bot_id"] = "B999"
    bot.event(other)
    # Slack adding a link preview changes the message but not its words.
    _edit(bot, "I love Rust.", "I love Rust.", attachments=[{"title": "rust-lang.org"}])

    assert set(_memories(bot)) == {"Rust"}
    assert (len(bot.openai.requests), len(bot.slack.calls)) == before


def test_in_a_channel_an_edited_mention_relearns_and_other_messages_are_not_looked_at(bot):
    bot.mention("U1", "we use Terraform", ts=FIRST)
    answers = len(bot.slack.messages("C1"))
    _edit(
        bot,
        "<@UBOT> we use Terraform",
        "<@UBOT> we use Kafka",
        channel="C1",
        channel_type="channel",
    )
    memories = _memories(bot)
    assert set(memories) == {"Kafka"}
    (source,) = memories["Kafka"]["sources"]
    assert (source["channel"], source["kind"]) == ("C1", "public_channel")
    assert memories["Kafka"]["private"] is False
    assert len(bot.slack.messages("C1")) == answers

    # A channel message that never mentioned the bot taught it nothing: no job at all.
    before = len(bot.slack.calls)
    _edit(bot, "lunch?", "I love Rust", ts=SECOND, channel="C1", channel_type="channel")
    _delete(bot, "lunch?", ts=SECOND, channel="C1", channel_type="channel")
    assert len(bot.slack.calls) == before
    assert set(_memories(bot)) == {"Kafka"}


def test_with_learning_switched_off_an_edit_only_takes_back(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    bot.click("learning_toggle", user="U1", selected_options=[], container="home")
    _edit(bot, "I love Rust.", "I love Go.")
    assert _memories(bot) == {}


def test_an_edit_is_bounded_like_any_message(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    extractions = len(bot.openai.bodies("chat"))
    _edit(bot, "I love Rust.", "I love Go. " + "x" * 30_000)
    (request,) = bot.openai.bodies("chat")[extractions:]
    assert "I love Go." in last_user_text(request)
    assert len(last_user_text(request)) < MAX_MESSAGE_CHARS + 2_000  # its framing aside
    assert set(_memories(bot)) == {"Go"}


def test_with_the_model_down_an_edit_still_takes_the_old_words_back(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    bot.openai.fail_next("chat", status=500, count=5)
    posted = len(bot.slack.calls_to("chat.postMessage"))
    _edit(bot, "I love Rust.", "I love Go.")
    assert _memories(bot) == {}
    assert len(bot.slack.calls_to("chat.postMessage")) == posted


def test_a_retried_edit_is_followed_once(bot):
    bot.dm("U1", "I love Rust.", ts=FIRST)
    extractions = len(bot.openai.bodies("chat"))
    event = sr.message_changed_event("U1", "I love Rust.", "I love Go.", ts=FIRST, team_id="T1")
    bot.event(event, event_id="EvEDIT1")
    bot.event(event, event_id="EvEDIT1", headers={"x-slack-retry-num": "1"})
    assert len(bot.openai.bodies("chat")) == extractions + 1
    assert set(_memories(bot)) == {"Go"}


def test_through_the_lambda_handler_an_edit_and_a_deletion_are_followed(
    deployment, fake_slack, pool
):
    body = sr.event_body(sr.dm_event("U1", "I love Rust.", team_id="T1", ts=FIRST), team_id="T1")
    deployment.request(body)
    deployment.run_async_invokes()

    edit = sr.message_changed_event("U1", "I love Rust.", "I love Go.", ts=FIRST, team_id="T1")
    assert deployment.request(sr.event_body(edit, team_id="T1"))["statusCode"] == 200
    assert deployment.run_async_invokes() == 1
    assert _topics(pool) == {"Go"}

    gone = sr.message_deleted_event("U1", "I love Go.", ts=FIRST, team_id="T1")
    deployment.request(sr.event_body(gone, team_id="T1"))
    assert deployment.run_async_invokes() == 1
    assert _topics(pool) == set()
    assert len(fake_slack.messages("D1")) == 1


def test_over_socket_mode_an_edit_and_a_deletion_are_followed(served_bot, fake_slack, pool):
    def send(event: dict) -> None:
        envelope = served_bot.send("events_api", json.loads(sr.event_body(event, team_id="T1")))
        served_bot.ack(envelope, timeout=60)

    send(sr.dm_event("U1", "I love Rust.", team_id="T1", ts=FIRST))
    _wait_for(lambda: _topics(pool) == {"Rust"})
    send(sr.message_changed_event("U1", "I love Rust.", "I love Go.", ts=FIRST, team_id="T1"))
    _wait_for(lambda: _topics(pool) == {"Go"})
    send(sr.message_deleted_event("U1", "I love Go.", ts=FIRST, team_id="T1"))
    _wait_for(lambda: _topics(pool) == set())
    assert len(fake_slack.messages("D1")) == 1


def _topics(pool, user: str = "U1") -> set[str]:
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT value FROM store WHERE prefix LIKE %s", (f"memories.%.{user}",)
        ).fetchall()
    return {r["value"]["content"]["topic"] for r in rows}


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
