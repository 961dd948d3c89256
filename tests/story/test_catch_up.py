"""Catch me up: the message shortcut gives whoever clicked a private summary of the thread, what
matters to them first, through signed requests, the Lambda handler and Socket Mode."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from bot.conversation.catch_up_prompt import MAX_CATCH_UP_THREAD_CHARS
from bot.conversation.prompt import PROMPT_BUDGET_CHARS
from bot.slack.listeners import CATCH_ME_UP
from tests.story.test_lambda import deployment  # noqa: F401 - the Lambda deployment fixture
from tests.story.test_socket_mode import served_bot  # noqa: F401 - `bot serve` over Socket Mode
from tests.support import slack_requests as sr
from tests.support.harness import SIGNING_SECRET

PARENT = "1700000100.000100"


def _thread(fake_slack, replies: int = 3, channel: str = "C1") -> list[dict]:
    messages = [
        {
            "type": "message",
            "user": "U2",
            "ts": PARENT,
            "thread_ts": PARENT,
            "text": "Should we move the ingest service to Rust?",
            "reply_count": replies,
        }
    ]
    for i in range(1, replies + 1):
        messages.append(
            {
                "type": "message",
                "user": "U3" if i % 2 else "U4",
                "ts": f"1700000100.{100 + i:06d}",
                "thread_ts": PARENT,
                "text": f"Reply {i}: the borrow checker point number {i}.",
            }
        )
    fake_slack.set_replies(channel, PARENT, messages)
    return messages


def _click(
    bot, user: str = "U1", *, message: dict | None = None, channel: str = "C1", name: str = "caught"
):
    body = sr.message_shortcut_body(
        CATCH_ME_UP,
        user=user,
        team_id="T1",
        channel=channel,
        message=message or {"user": "U2", "ts": PARENT, "thread_ts": PARENT, "text": "…"},
        response_url=bot.slack.response_url(name),
    )
    response = bot.send(body, form=True)
    bot.drain()
    return response, body


def _summary_request(bot) -> dict:
    (request,) = [b for b in bot.openai.bodies("responses") if "catch" in b["instructions"]]
    return request


def test_the_clicker_gets_a_private_summary_shaped_by_their_public_memories(bot):
    bot.mention("U1", "I work on Rust services", channel="C9")  # learned in public
    bot.dm("U1", "I'm secretly learning Kubernetes")  # learned in private
    _thread(bot.slack)
    posted_before = len(bot.slack.calls_to("chat.postMessage"))
    bot.openai.reply_text = "- <@U2> asks about moving to **Rust**, which you use [1]\n- Agreed [3]"

    response, _ = _click(bot)
    assert response.status == 200

    request = _summary_request(bot)
    transcript = json.dumps(request["input"])
    assert "[1] <@U2>: Should we move the ingest service to Rust?" in transcript
    assert "[3] <@U4>: Reply 2" in transcript
    assert "Rust" in request["instructions"] and "Kubernetes" not in request["instructions"]
    assert "tools" not in request  # a summary of a thread searches nothing

    (answer,) = bot.responses("caught")
    assert answer["response_type"] == "ephemeral"
    text = bot.last_response_text("caught")
    assert "<@U2> asks about moving to *Rust*" in text
    assert f"<https://fake.slack.com/archives/C1/p{PARENT.replace('.', '')}|[1]>" in text
    assert "<https://fake.slack.com/archives/C1/p1700000100000102|[3]>" in text
    # Nothing public: no message posted anywhere, nothing learned from others' words.
    assert len(bot.slack.calls_to("chat.postMessage")) == posted_before
    assert bot.topics("T1", "U1") == {"Rust", "Kubernetes"}
    assert bot.topics("T1", "U2") == set()


def test_a_reply_in_the_thread_catches_up_on_the_whole_thread(bot):
    _thread(bot.slack)
    reply = {"user": "U3", "ts": "1700000100.000101", "thread_ts": PARENT, "text": "Reply 1"}
    _click(bot, message=reply)
    assert "[1] <@U2>: Should we move" in json.dumps(_summary_request(bot)["input"])


def test_a_long_thread_keeps_its_first_message_and_the_latest_within_the_budget(bot):
    messages = _thread(bot.slack, replies=400)
    for m in messages[1:]:
        m["text"] = m["text"] + " " + "detail " * 30
    _click(bot)
    request = _summary_request(bot)
    transcript = request["input"][0]["content"]
    assert "[1] <@U2>: Should we move" in transcript and "[401] " in transcript
    assert "[2] " not in transcript and "messages left out" in transcript
    assert len(transcript) <= MAX_CATCH_UP_THREAD_CHARS + 200
    assert len(request["instructions"]) + len(transcript) <= PROMPT_BUDGET_CHARS
    kept = transcript.count("\n[") - 1  # lines, minus the "left out" marker
    assert (
        f"The conversation has 401 messages; I read the first one and the latest {kept - 1}."
        in (bot.last_response_text("caught"))
    )


def test_a_channel_message_outside_a_thread_is_summarised_with_its_surroundings(bot):
    history = [
        {
            "type": "message",
            "user": f"U{i % 3 + 2}",
            "ts": f"1700000200.{i:06d}",
            "text": f"Channel message {i}",
        }
        for i in range(1, 51)
    ]
    bot.slack.set_history("C1", history)
    _click(bot, message={"user": "U3", "ts": "1700000200.000030", "text": "Channel message 30"})
    transcript = _summary_request(bot)["input"][0]["content"]
    assert "Channel message 30" in transcript and "Channel message 16" in transcript
    assert "Channel message 15" not in transcript
    # Twenty more followed it, more than fit the page that is the channel's newest: left out.
    assert "Channel message 31" not in transcript
    assert "around it" in bot.last_response_text("caught")

    bot.slack.set_history("C1", history[:33])
    _click(bot, message={"user": "U3", "ts": "1700000200.000030", "text": "…"}, name="again")
    transcript = [b for b in bot.openai.bodies("responses") if "catch" in b["instructions"]][-1]
    assert "Channel message 33" in transcript["input"][0]["content"]


def test_a_conversation_the_bot_cannot_read_gets_a_friendly_explanation(bot):
    for error, says in [
        ("not_in_channel", "Invite me with `/invite <@UBOT>`"),
        ("channel_not_found", "it's private or a DM I'm not part of"),
        ("missing_scope", "reinstall the app"),
    ]:
        bot.slack.fail_next("conversations.replies", status=200, error=error)
        _click(bot, name=error)
        text = bot.last_response_text(error)
        assert says in text and bot.responses(error)[-1]["response_type"] == "ephemeral"
    assert not [b for b in bot.openai.bodies("responses")]


def test_a_model_failure_is_said_privately(bot):
    _thread(bot.slack)
    bot.openai.fail_next("responses", status=400)
    _click(bot)
    assert "couldn't write the summary" in bot.last_response_text("caught")


def test_a_forged_or_replayed_click_naming_someone_else_gets_nothing(bot):
    bot.mention("U2", "I use Kafka", channel="C9")
    _thread(bot.slack)
    _, body = _click(bot, user="U1")
    assert len(bot.responses("caught")) == 1
    # The same signed click again (a retry or a replay) is summarised once.
    assert bot.send(body, form=True).status == 200
    bot.drain()
    assert len(bot.responses("caught")) == 1

    # The click rewritten to name U2 no longer carries Slack's signature.
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["user"]["id"] = "U2"
    forged = "payload=" + json.dumps(payload)
    wrong = sr.signed_headers(forged, "guessed-secret")
    assert bot.send(forged, form=True, headers=wrong).status == 401
    stale = sr.signed_headers(forged, SIGNING_SECRET, timestamp=1_600_000_000)
    assert bot.send(forged, form=True, headers=stale).status == 401
    bot.drain()
    assert len(bot.responses("caught")) == 1
    assert all(
        "Kafka" not in b["instructions"]
        for b in bot.openai.bodies("responses")
        if "catch" in b["instructions"]
    )


def test_catch_up_through_the_lambda_handler(deployment, fake_slack, fake_openai):  # noqa: F811
    mention = sr.mention_event("U1", "I love Rust", team_id="T1", channel="C9")
    deployment.request(sr.event_body(mention, team_id="T1"))
    deployment.run_async_invokes()
    _thread(fake_slack)
    fake_openai.reply_text = "You care about Rust: <@U2> proposes it [1]."
    posted = len(fake_slack.calls_to("chat.postMessage"))
    body = sr.message_shortcut_body(
        CATCH_ME_UP,
        user="U1",
        team_id="T1",
        channel="C1",
        message={"user": "U2", "ts": PARENT, "thread_ts": PARENT, "text": "…"},
        response_url=fake_slack.response_url("lambda"),
    )
    assert deployment.request(body, form=True)["statusCode"] == 200
    assert fake_slack.calls_to("conversations.replies") == []  # the ack read nothing
    assert deployment.run_async_invokes() == 1
    (answer,) = fake_slack.calls_to("response_url:lambda")
    assert answer.params["response_type"] == "ephemeral"
    assert "<@U2> proposes it" in answer.params["text"]
    request = [b for b in fake_openai.bodies("responses") if "catch" in b["instructions"]][-1]
    assert "Rust" in request["instructions"] and "Should we move" in json.dumps(request["input"])
    assert len(fake_slack.calls_to("chat.postMessage")) == posted


def test_catch_up_over_socket_mode(served_bot, fake_slack, fake_openai):  # noqa: F811
    _thread(fake_slack)
    fake_openai.reply_text = "<@U2> proposes Rust [1]."
    body = sr.message_shortcut_body(
        CATCH_ME_UP,
        user="U1",
        team_id="T1",
        channel="C1",
        message={"user": "U2", "ts": PARENT, "thread_ts": PARENT, "text": "…"},
        response_url=fake_slack.response_url("socket"),
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    served_bot.ack(served_bot.send("interactive", payload), timeout=60)
    (answer,) = fake_slack.wait_for("response_url:socket", timeout=30)
    assert answer.params["response_type"] == "ephemeral"
    assert "<@U2> proposes Rust" in answer.params["text"]
    assert not fake_slack.calls_to("chat.postMessage")
