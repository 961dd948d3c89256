"""A receipt on every answer: which memories shaped it, linked to where each was learned when
the reader may open that place, and "Forget this" / "Don't use this here" for the asker alone.
In a channel only memories learned in public are named; private ones used there are told to
the asker privately. Files the bot could not read are named in the answer itself."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from tests.story.test_lambda import deployment  # noqa: F401 - the Lambda deployment fixture
from tests.story.test_socket_mode import served_bot  # noqa: F401 - `bot serve` over a socket
from tests.support import slack_requests as sr

PERMALINK = "https://fake.slack.com/archives/{channel}/p{ts}"


def _permalink(channel: str, ts: str) -> str:
    return PERMALINK.format(channel=channel, ts=ts.replace(".", ""))


def _key(bot, topic: str, user: str = "U1") -> str:
    with bot.pool.connection() as conn:
        row = conn.execute(
            "SELECT key FROM store WHERE prefix = %s AND value->'content'->>'topic' = %s",
            (f"memories.T1.{user}", topic),
        ).fetchone()
    return row["key"]


def _final_blocks(bot, channel: str) -> list[dict]:
    """The blocks of the call that finished the last answer in `channel`, as Slack got them."""
    finishing = [
        c
        for c in bot.slack.calls
        if c.method in ("chat.update", "chat.stopStream") and c.params.get("channel") == channel
    ]
    return finishing[-1].json_param("blocks")


def _receipt(blocks: list[dict]) -> tuple[dict, dict]:
    """The receipt's two blocks: the line naming the memories, and their menu."""
    (line,) = [b for b in blocks if b["type"] == "context" and "Tailored with" in json.dumps(b)]
    (menu,) = [b for b in blocks if b["type"] == "actions" and "receipt_for:" in b["block_id"]]
    return line, menu


def _menu(asker: str, *memories: tuple[str, str]) -> dict:
    """The receipt menu Slack should receive for (topic, key) memories, in English."""
    option = {"type": "plain_text", "emoji": True}
    return {
        "type": "actions",
        "block_id": f"receipt_for:{asker}",
        "elements": [
            {
                "type": "static_select",
                "action_id": "receipt_memory",
                "placeholder": {**option, "text": "Change what I used…"},
                "option_groups": [
                    {
                        "label": {**option, "text": topic},
                        "options": [
                            {"text": {**option, "text": "Forget this"}, "value": f"forget:{key}"},
                            {
                                "text": {**option, "text": "Don't use this here"},
                                "value": f"not_here:{key}",
                            },
                        ],
                    }
                    for topic, key in memories
                ],
            }
        ],
    }


def choice_payload(
    value: str,
    *,
    user: str,
    block_id: str,
    response_url: str,
    channel: str = "D1",
    message_ts: str = "1700000000.000001",
) -> dict:
    """A choice from a receipt's menu, as Slack sends it."""
    return sr.selection_payload(
        "receipt_memory",
        value,
        user=user,
        team_id="T1",
        block_id=block_id,
        channel=channel,
        message_ts=message_ts,
        response_url=response_url,
    )


def choice_body(value: str, **fields) -> str:
    """The same, form-encoded as Slack posts it to the request URL."""
    return urlencode({"payload": json.dumps(choice_payload(value, **fields))})


def _choose(bot, value: str, *, user: str, asker: str, channel: str = "D1", name: str) -> dict:
    body = choice_body(
        value,
        user=user,
        block_id=f"receipt_for:{asker}",
        response_url=bot.slack.response_url(name),
        channel=channel,
    )
    response = bot.send(body, form=True)
    assert response.status == 200
    bot.drain()
    (told,) = bot.responses(name)
    return told


def _instructions(bot) -> str:
    return bot.openai.bodies("responses")[-1]["instructions"]


# --- what the receipt says -----------------------------------------------------------------


def test_a_dm_answer_names_the_memory_it_used_linked_to_where_it_was_learned(bot):
    bot.dm("U1", "I love Rust", ts="1700000001.000100")
    bot.dm("U1", "What should I read this week?")

    blocks = _final_blocks(bot, "D1")
    line, menu = _receipt(blocks)
    link = _permalink("D1", "1700000001.000100")
    assert line == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f":brain: Tailored with: <{link}|Rust>"}],
    }
    assert menu == _menu("U1", ("Rust", _key(bot, "Rust")))
    # Apart from the answer's text, before the AI note and the feedback buttons.
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "section" and kinds[-1] == "context_actions"
    assert blocks.index(line) < len(blocks) - 2
    # One message: the receipt is in the answer, and nothing is told to anyone aside.
    assert len(bot.slack.messages("D1")) == 2
    assert bot.slack.calls_to("chat.postEphemeral") == []


def test_an_answer_that_used_no_memories_has_no_receipt(bot):
    bot.dm("U1", "hello there")
    assert "Tailored with" not in json.dumps(_final_blocks(bot, "D1"))


def test_in_a_public_channel_only_public_memories_are_named_and_private_ones_told_aside(bot):
    bot.dm("U1", "I love Rust", ts="1700000001.000100")
    bot.mention("U1", "our team runs Kubernetes", channel="C1", ts="1700000002.000200")
    bot.click(
        "private_in_channels_toggle",
        user="U1",
        selected_options=[{"value": "on"}],
        container="home",
    )
    bot.mention("U1", "what should I read this week?", channel="C2", ts="1700000003.000300")
    assert "Rust" in _instructions(bot)  # the person allowed it: the answer used it

    # Nothing Slack was sent for the public message names the DM-learned topic.
    public = [
        c
        for c in bot.slack.calls
        if c.params.get("channel") == "C2" and c.method != "chat.postEphemeral"
    ]
    assert public and not [c for c in public if "Rust" in json.dumps(c.params)]
    (answer,) = bot.slack.messages("C2")
    assert "Rust" not in json.dumps(answer)
    # The public memory is named, linked to the public channel it was learned in.
    line, menu = _receipt(_final_blocks(bot, "C2"))
    link = _permalink("C1", "1700000002.000200")
    assert line["elements"][0]["text"] == f":brain: Tailored with: <{link}|Kubernetes>"
    assert menu == _menu("U1", ("Kubernetes", _key(bot, "Kubernetes")))

    # The asker alone hears of the private one, in the answer's thread, with its menu; a DM
    # is not linked outside that DM.
    (aside,) = bot.slack.calls_to("chat.postEphemeral")
    assert aside.params["user"] == "U1" and aside.params["channel"] == "C2"
    assert aside.params["thread_ts"] == "1700000003.000300"
    blocks = aside.json_param("blocks")
    assert blocks[0] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": ":lock: Only you can see this: I also used your private memories "
                "here: Rust",
            }
        ],
    }
    assert blocks[1] == _menu("U1", ("Rust", _key(bot, "Rust")))


def test_without_the_opt_in_a_channel_answer_tells_nothing_aside(bot):
    bot.dm("U1", "I love Rust")
    bot.mention("U1", "what should I read this week?", channel="C2")
    assert "Rust" not in _instructions(bot)
    assert bot.slack.calls_to("chat.postEphemeral") == []
    assert "Tailored with" not in json.dumps(_final_blocks(bot, "C2"))


def test_a_private_channel_link_is_shown_only_in_that_channel(bot):
    bot.click(
        "private_in_channels_toggle",
        user="U1",
        selected_options=[{"value": "on"}],
        container="home",
    )
    bot.mention("U1", "we build everything in Elixir", channel="G1", ts="1700000004.000400")
    bot.mention("U1", "what should I read this week?", channel="G1", ts="1700000005.000500")
    (aside,) = bot.slack.calls_to("chat.postEphemeral")  # private: told to the asker only
    link = _permalink("G1", "1700000004.000400")
    assert f"<{link}|Elixir>" in json.dumps(aside.json_param("blocks"))

    bot.dm("U1", "what should I read this week?")
    line, _ = _receipt(_final_blocks(bot, "D1"))
    assert line["elements"][0]["text"] == ":brain: Tailored with: Elixir"  # no link from here


def test_a_receipt_in_japanese_for_a_japanese_reader(bot):
    bot.slack.profiles["U1"] = {"locale": "ja-JP"}
    bot.dm("U1", "I love Rust")
    bot.dm("U1", "What should I read this week?")
    line, menu = _receipt_ja(_final_blocks(bot, "D1"))
    assert line["elements"][0]["text"].startswith(":brain: この回答に使った記憶: <")
    select = menu["elements"][0]
    assert select["placeholder"]["text"] == "使った記憶を変更…"
    assert [o["text"]["text"] for o in select["option_groups"][0]["options"]] == [
        "忘れる",
        "ここでは使わない",
    ]


def _receipt_ja(blocks: list[dict]) -> tuple[dict, dict]:
    (line,) = [b for b in blocks if b["type"] == "context" and "この回答" in str(b)]
    (menu,) = [b for b in blocks if b["type"] == "actions"]
    return line, menu


def test_files_the_bot_could_not_read_are_named_in_the_answer_itself(bot):
    sheet = bot.slack.host_file("budget.xlsx", b"PK\x03\x04", "application/vnd.ms-excel")
    bot.dm("U1", "what is in this?", subtype="file_share", files=[sheet])
    (message,) = bot.slack.messages("D1")  # one question, one message
    (note,) = [
        b
        for b in message["blocks"]
        if b["type"] == "context" and "budget.xlsx" in b["elements"][0]["text"]
    ]
    assert note["elements"][0]["text"].startswith(":paperclip: I can read ")


# --- acting on it ----------------------------------------------------------------------------


def test_the_asker_can_forget_a_memory_from_the_receipt(bot):
    bot.dm("U1", "I love Rust")
    bot.dm("U1", "What should I read this week?")
    key = _key(bot, "Rust")
    published = len(bot.slack.calls_to("views.publish"))

    told = _choose(bot, f"forget:{key}", user="U1", asker="U1", name="forget")
    assert told["text"] == "Forgotten: Rust. I won't use it again anywhere."
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    assert bot.topics("T1", "U1") == set()
    assert len(bot.slack.calls_to("views.publish")) == published + 1  # the Home tab follows

    bot.dm("U1", "What should I read this week?")
    assert "Rust" not in _instructions(bot)
    again = _choose(bot, f"forget:{key}", user="U1", asker="U1", name="again")
    assert again["text"] == "That memory is already gone."


def test_dont_use_this_here_keeps_a_memory_out_of_that_conversation_only(bot):
    bot.mention("U1", "our team runs Kubernetes", channel="C1")
    key = _key(bot, "Kubernetes")
    told = _choose(bot, f"not_here:{key}", user="U1", asker="U1", channel="C1", name="aside")
    assert told["text"].startswith("I won't use Kubernetes in this conversation again.")

    bot.mention("U1", "what should I read this week?", channel="C1")
    assert "Kubernetes" not in _instructions(bot)
    assert "Tailored with" not in json.dumps(_final_blocks(bot, "C1"))
    bot.mention("U1", "what should I read this week?", channel="C2")
    assert "Kubernetes" in _instructions(bot)  # everywhere else it is still used
    bot.dm("U1", "what should I read this week?")
    assert "Kubernetes" in _instructions(bot)
    assert bot.topics("T1", "U1") == {"Kubernetes"}

    # Kept with the memory and erased with it.
    _choose(bot, f"forget:{key}", user="U1", asker="U1", name="gone")
    with bot.pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM bot_memory_exclusions").fetchone()["n"] == 0


def test_someone_else_choosing_from_the_askers_receipt_changes_nothing(bot):
    bot.mention("U1", "our team runs Kubernetes", channel="C1")
    bot.mention("U1", "what should I read this week?", channel="C1")
    key = _key(bot, "Kubernetes")
    for value, name in ((f"forget:{key}", "u2-forget"), (f"not_here:{key}", "u2-aside")):
        told = _choose(bot, value, user="U2", asker="U1", channel="C1", name=name)
        assert told["text"] == (
            "Only the person who asked can change the memories this answer used."
        )
        assert told["response_type"] == "ephemeral"
    assert bot.topics("T1", "U1") == {"Kubernetes"}
    bot.mention("U1", "what should I read this week?", channel="C1")
    assert "Kubernetes" in _instructions(bot)


def test_a_forged_choice_naming_someone_elses_memory_finds_nothing(bot):
    bot.dm("U1", "I love Rust")
    bot.dm("U2", "I love Python", channel="D2")
    key = _key(bot, "Rust")
    # U2 claims to be the asker of a receipt holding U1's memory.
    told = _choose(bot, f"forget:{key}", user="U2", asker="U2", channel="D2", name="forged")
    assert told["response_type"] == "ephemeral" and "Rust" not in told["text"]
    _choose(bot, f"not_here:{key}", user="U2", asker="U2", channel="D1", name="forged2")
    assert bot.topics("T1", "U1") == {"Rust"} and bot.topics("T1", "U2") == {"Python"}
    bot.dm("U1", "What should I read this week?")
    assert "Rust" in _instructions(bot)


def test_a_malformed_choice_is_acknowledged_and_ignored(bot):
    bot.dm("U1", "I love Rust")
    for value in ("", "delete:everything", "forget:", "nonsense"):
        body = choice_body(
            value,
            user="U1",
            block_id="receipt_for:U1",
            response_url=bot.slack.response_url("bad"),
        )
        assert bot.send(body, form=True).status == 200
    bot.drain()
    assert bot.topics("T1", "U1") == {"Rust"}
    assert bot.responses("bad") == []


# --- the same through the Lambda handler and over Socket Mode ------------------------------


def test_through_the_lambda_handler_the_receipt_names_the_memory_and_forgets_it(
    deployment,  # noqa: F811
    fake_slack,
    pool,
):
    for text in ("I love Rust", "What should I read this week?"):
        assert deployment.dm("U1", text)["statusCode"] == 200
        deployment.run_async_invokes()
    line, menu = _receipt(_finished_answers(fake_slack)[-1])
    assert line["elements"][0]["text"].startswith(":brain: Tailored with: <")
    (forget, _) = menu["elements"][0]["option_groups"][0]["options"]

    url = fake_slack.response_url("lambda-forget")
    body = choice_body(forget["value"], user="U1", block_id=menu["block_id"], response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    assert deployment.run_async_invokes() == 1
    (told,) = fake_slack.calls_to("response_url:lambda-forget")
    assert told.params["text"] == "Forgotten: Rust. I won't use it again anywhere."
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM store").fetchone()["n"] == 0


def test_over_socket_mode_the_receipt_names_the_memory_and_forgets_it(
    served_bot,  # noqa: F811
    fake_slack,
    pool,
):
    for n, text in enumerate(("I love Rust", "What should I read this week?"), start=1):
        event = sr.dm_event("U1", text, team_id="T1")
        envelope = served_bot.send("events_api", json.loads(sr.event_body(event, team_id="T1")))
        served_bot.ack(envelope, timeout=60)
        _wait(lambda n=n: len(_finished_answers(fake_slack)) >= n)
        if n == 1:  # learned (the Home tab follows) before the next question
            fake_slack.wait_for("views.publish", timeout=30)
    line, menu = _receipt(_finished_answers(fake_slack)[-1])
    assert "|Rust>" in line["elements"][0]["text"]
    (forget, _) = menu["elements"][0]["option_groups"][0]["options"]

    url = fake_slack.response_url("socket-forget")
    payload = choice_payload(
        forget["value"], user="U1", block_id=menu["block_id"], response_url=url
    )
    served_bot.ack(served_bot.send("interactive", payload))
    (told,) = fake_slack.wait_for("response_url:socket-forget", timeout=30)
    assert told.params["text"] == "Forgotten: Rust. I won't use it again anywhere."
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM store").fetchone()["n"] == 0


def _finished_answers(fake_slack) -> list[list[dict]]:
    """The closing blocks of each finished DM answer (the update that added feedback)."""
    return [
        c.json_param("blocks")
        for c in fake_slack.calls_to("chat.update")
        if "feedback_buttons" in json.dumps(c.json_param("blocks") or [])
    ]


def _wait(done, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
