"""Feels native in Slack: feedback within a second, streamed answers, memories managed by click."""

from __future__ import annotations

import json

from bot.slack.mrkdwn import MAX_MARKDOWN_CHARS
from tests.support import slack_requests as sr


def _streamed_text(bot) -> str:
    parts = []
    for method in ("chat.startStream", "chat.appendStream", "chat.stopStream"):
        for call in bot.slack.calls_to(method):
            parts.append((call.time, _chunk_text(call)))
    return "".join(text for _, text in sorted(parts))


def _chunk_text(call) -> str:
    chunks = call.json_param("chunks") or []
    return (call.params.get("markdown_text") or "") + "".join(
        c.get("text", "") for c in chunks if c.get("type") == "markdown_text"
    )


LONG_ANSWER = "## Plan\n\n" + "\n".join(
    f"- **step {i}**: do the thing number {i}" for i in range(40)
)


def test_a_thread_answer_streams_and_the_stream_adds_up_to_the_models_text(bot):
    bot.openai.reply_text = LONG_ANSWER
    bot.mention("U1", "give me a plan", ts="1700000300.000001")
    assert bot.slack.calls_to("chat.startStream")
    assert bot.slack.calls_to("chat.appendStream")
    assert len(bot.slack.calls_to("chat.stopStream")) == 1
    assert _streamed_text(bot) == LONG_ANSWER
    (message,) = bot.slack.messages("C1")
    assert message["text"] == LONG_ANSWER
    start = bot.slack.calls_to("chat.startStream")[0].params
    assert start["thread_ts"] == "1700000300.000001"
    assert start["recipient_user_id"] == "U1" and start["recipient_team_id"] == "T1"


def test_the_person_sees_the_bot_working_before_the_first_model_token(bot):
    bot.mention("U1", "hello", ts="1700000400.000001")
    (reaction,) = bot.slack.calls_to("reactions.add")
    (request,) = [r for r in bot.openai.requests if r.path == "/v1/responses"]
    assert reaction.time <= request.time
    assert reaction.params["timestamp"] == "1700000400.000001"
    # ...and the signal is cleared once the answer is there.
    assert bot.slack.calls_to("reactions.remove")


def test_in_an_assistant_thread_the_status_is_set_and_the_thread_titled(bot):
    bot.dm("U1", "How do I learn Rust?", thread_ts="1700000500.000001")
    (status,) = bot.slack.calls_to("assistant.threads.setStatus")
    assert status.params["thread_ts"] == "1700000500.000001"
    (request,) = [r for r in bot.openai.requests if r.path == "/v1/responses"]
    assert status.time <= request.time
    (title,) = bot.slack.calls_to("assistant.threads.setTitle")
    assert title.params["title"] == "How do I learn Rust?"
    assert bot.slack.calls_to("reactions.add") == []


def test_a_rate_limited_append_is_retried_after_retry_after_and_nothing_is_lost(bot):
    bot.openai.reply_text = LONG_ANSWER
    bot.slack.fail_next("chat.appendStream", status=429, retry_after=1)
    bot.mention("U1", "give me a plan", ts="1700000600.000001")
    appends = bot.slack.calls_to("chat.appendStream")
    assert len(appends) >= 2
    assert appends[1].time - appends[0].time >= 1.0
    (message,) = bot.slack.messages("C1")
    assert message["text"] == LONG_ANSWER


def test_when_slack_refuses_to_stream_the_answer_arrives_by_updates(bot):
    bot.openai.reply_text = LONG_ANSWER
    bot.slack.fail_next("chat.startStream", status=200, error="not_allowed_token_type")
    bot.mention("U1", "give me a plan", ts="1700000700.000001")
    assert bot.slack.calls_to("chat.update")
    (message,) = bot.slack.messages("C1")
    assert "*step 39*: do the thing number 39" in message["text"]  # Markdown became mrkdwn
    assert message["thread_ts"] == "1700000700.000001"


def test_a_top_level_dm_gets_a_placeholder_that_becomes_the_answer(bot):
    bot.openai.reply_text = "**Yes.** See [the docs](https://example.com)."
    bot.dm("U1", "is Rust fast?")
    (placeholder,) = bot.slack.calls_to("chat.postMessage")
    updates = bot.slack.calls_to("chat.update")
    assert placeholder.time <= updates[0].time
    (message,) = bot.slack.messages("D1")
    assert message["text"] == "*Yes.* See <https://example.com|the docs>."


def test_an_answer_longer_than_one_message_continues_in_another(bot):
    paragraph = "word " * 199 + "\n\n"
    bot.openai.reply_text = paragraph * 15  # ~15,000 characters
    bot.mention("U1", "write a lot", ts="1700000800.000001")
    messages = bot.slack.messages("C1")
    assert len(messages) == 2
    assert all(len(m["text"]) <= MAX_MARKDOWN_CHARS for m in messages)
    assert "".join(m["text"] for m in messages) == paragraph * 15


def test_assistant_thread_started_offers_suggested_prompts(bot):
    event = {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": "U1", "channel_id": "D1", "thread_ts": "1700000900.000001"},
    }
    assert bot.event(event).status == 200
    (call,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    titles = [p["title"] for p in call.json_param("prompts")]
    assert "What do you remember about me?" in titles
    assert "Recommend three topics for me" in titles


# --- managing memories by click -------------------------------------------------------------


def _keys(bot, team, user):
    with bot.pool.connection() as conn:
        rows = conn.execute(
            "SELECT key, value FROM store WHERE prefix = %s", (f"memories.{team}.{user}",)
        ).fetchall()
    return {row["value"]["content"]["topic"]: row["key"] for row in rows}


def test_interests_has_a_forget_button_per_memory_and_a_click_forgets_exactly_that(bot):
    bot.dm("U1", "I love Rust.")
    bot.dm("U1", "Kubernetes at work.")
    _, url = bot.command("/interests", user="U1")
    listing = bot.responses(url)[-1]["blocks"]
    buttons = {b["accessory"]["value"] for b in listing if b.get("accessory")}
    keys = _keys(bot, "T1", "U1")
    assert buttons == set(keys.values())

    _, url = bot.click("forget_one", user="U1", value=keys["Rust"])
    assert set(_keys(bot, "T1", "U1")) == {"Kubernetes"}
    updated = bot.responses(url)[-1]
    assert updated["replace_original"] is True
    assert "Forgot “Rust”" in bot.last_response_text(url)
    assert "Kubernetes" in bot.last_response_text(url)


def test_a_forged_click_naming_someone_elses_memory_does_nothing(bot):
    bot.dm("U2", "I love Rust.", channel="D2")
    victim_key = _keys(bot, "T1", "U2")["Rust"]
    _, url = bot.click("forget_one", user="U1", value=victim_key)
    assert _keys(bot, "T1", "U2") == {"Rust": victim_key}
    assert "already gone" in bot.last_response_text(url)


def test_the_home_tab_shows_memories_the_switch_and_the_privacy_note(bot):
    bot.dm("U1", "I love Rust.")
    bot.slack.reset()
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"})
    (publish,) = bot.slack.calls_to("views.publish")
    assert publish.params["user_id"] == "U1"
    view = publish.json_param("view")
    text = json.dumps(view)
    assert "Rust" in text and "Privacy" in text and "Learn from my messages" in text
    toggle = next(
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "learning_toggle"
    )
    assert toggle["initial_options"][0]["value"] == "on"


def test_switching_learning_off_stops_extraction_everywhere_and_republishes_home(bot):
    bot.click("learning_toggle", user="U1", selected_options=[], container="home")
    view = bot.slack.calls_to("views.publish")[-1].json_param("view")
    assert "Learning is *off*" in json.dumps(view)

    bot.dm("U1", "I love Rust.")
    assert len(bot.slack.messages("D1")) == 1  # still answered
    assert bot.openai.bodies("chat") == []  # but nothing extracted
    assert bot.rows("T1", "U1") == (0, 0)

    on = [{"value": "on", "text": {"type": "plain_text", "text": "Learn from my messages"}}]
    bot.click("learning_toggle", user="U1", selected_options=on, container="home")
    bot.dm("U1", "I love Rust.")
    assert _keys(bot, "T1", "U1").keys() == {"Rust"}


def test_forget_all_from_the_home_tab_erases_and_republishes(bot):
    bot.dm("U1", "I love Rust.")
    bot.click("forget_all_confirm", user="U1", container="home")
    assert bot.rows("T1", "U1") == (0, 0)
    view = bot.slack.calls_to("views.publish")[-1].json_param("view")
    assert "Nothing yet" in json.dumps(view)


def test_interests_export_sends_a_json_file_by_dm(bot):
    bot.dm("U1", "I love Rust.")
    _, url = bot.command("/interests", "export", user="U1")
    (upload,) = bot.slack.calls_to("upload")
    exported = json.loads(upload.params["content"])
    assert [m["topic"] for m in exported["memories"]] == ["Rust"]
    assert exported["user_id"] == "U1"
    assert bot.slack.calls_to("files.completeUploadExternal")
    assert "sent you a DM" in bot.last_response_text(url)


def test_an_event_for_the_home_tab_of_another_tab_is_ignored(bot):
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "messages", "channel": "D1"})
    assert bot.slack.calls_to("views.publish") == []


def test_the_dm_event_carries_no_thread_context_when_top_level(bot):
    bot.event(sr.dm_event("U1", "hi", team_id="T1"))
    assert bot.slack.calls_to("conversations.replies") == []


def test_a_long_answer_by_updates_fills_sections_of_at_most_3000_characters(bot):
    from bot.slack.mrkdwn import MAX_SECTION_CHARS, to_mrkdwn

    answer = ("**Point.** " + "detail " * 60 + "\n\n") * 16  # ~7,000 characters
    bot.openai.reply_text = answer
    bot.dm("U1", "explain at length")
    (message,) = bot.slack.messages("D1")
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert len(sections) >= 3
    assert all(len(s) <= MAX_SECTION_CHARS for s in sections)
    assert "".join("".join(sections).split()) == "".join(to_mrkdwn(answer).split())
