"""/whoknows <topic>: colleagues who chose to be findable, from what they said in public channels,
through signed requests, the Lambda handler and Socket Mode."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

import pytest

import bot.lambda_handler as lambda_handler
from bot.slack import whoknows_views
from tests.story.test_lambda import deployment  # noqa: F401 - the Lambda deployment fixture
from tests.story.test_socket_mode import served_bot  # noqa: F401 - `bot serve` over Socket Mode
from tests.support import slack_requests as sr
from tests.support.harness import SIGNING_SECRET

WHAT_OTHERS_SEE = (
    "your name, the topics you've talked about in public channels, and links to those messages"
)


def _in_public(bot, user: str, text: str) -> None:
    bot.mention(user, text, channel="C1")


def _share(bot, user: str, how: str = "on") -> str:
    _, name = bot.command("/interests", f"share {how}", user=user)
    return bot.last_response_text(name)


def _who_knows(bot, topic: str, *, user: str = "U9") -> tuple[str, dict]:
    _, name = bot.command("/whoknows", topic, user=user)
    return bot.last_response_text(name), bot.responses(name)[-1]


def test_an_opted_in_colleague_who_talked_about_it_in_public_is_listed_and_nobody_else(bot):
    _in_public(bot, "U1", "I love Rust for systems work")  # public, findable
    _in_public(bot, "U2", "Rust is my daily driver")  # public, never opted in
    bot.dm("U3", "I'm learning Rust in secret")  # opted in, but learned in a DM
    assert "findable now" in _share(bot, "U1") and WHAT_OTHERS_SEE in _share(bot, "U3")

    for asker in ("U9", "U2", "U3"):
        text, payload = _who_knows(bot, "rust", user=asker)
        assert payload["response_type"] == "ephemeral"
        assert "<@U1>" in text and "*Rust*" in text
        assert "<@U2>" not in text and "<@U3>" not in text
    # The link goes to where U1 said it in public.
    (mention,) = [
        c for c in bot.slack.calls_to("chat.getPermalink") if c.params["channel"] == "C1"
    ][:1]
    assert (
        f"<https://fake.slack.com/archives/C1/p{mention.params['message_ts'].replace('.', '')}|"
        in text
    )

    # Never the asker: U1 sees no one else who knows Rust.
    text, _ = _who_knows(bot, "rust", user="U1")
    assert "<@U1>" not in text and "Nobody findable" in text


def test_a_memory_a_dm_also_shaped_stays_out(bot):
    _in_public(bot, "U1", "I use Kafka at work")
    bot.dm("U1", "Kafka keeps paging me at night")  # the same memory, now shaped in private
    _share(bot, "U1")
    text, _ = _who_knows(bot, "kafka")
    assert "<@U1>" not in text and "Nobody findable" in text


def test_colleagues_are_ranked_by_interest_and_found_by_category_too(bot, pool):
    _in_public(bot, "U1", "I use Rust")
    _in_public(bot, "U2", "I use Rust")
    for user in ("U1", "U2"):
        _share(bot, user)
    with pool.connection() as conn:
        conn.execute(
            "UPDATE store SET value = jsonb_set(value, '{content,interest_level}', "
            "to_jsonb(CASE WHEN prefix LIKE '%%.U2' THEN 95 ELSE 40 END))"
        )
    text, _ = _who_knows(bot, "rust")
    assert text.index("<@U2>") < text.index("<@U1>")
    assert "interest 95/100" in text
    text, _ = _who_knows(bot, "Programming   Language")  # the fake's category for Rust
    assert "<@U1>" in text and "<@U2>" in text
    # Semantically, through the store's embeddings: the words don't name the topic exactly.
    assert "<@U1>" in _who_knows(bot, "rust tooling")[0]
    assert "Nobody findable" in _who_knows(bot, "gardening")[0]


def test_opting_out_or_erasing_takes_a_person_off_the_list(bot):
    _in_public(bot, "U1", "I use Terraform")
    _share(bot, "U1")
    assert "<@U1>" in _who_knows(bot, "terraform")[0]
    assert "not findable any more" in _share(bot, "U1", "off")
    assert "<@U1>" not in _who_knows(bot, "terraform")[0]

    _share(bot, "U1", "on")
    bot.click("forget_all_confirm", user="U1")  # erase everything remembered
    _in_public(bot, "U1", "Terraform again, after the erasure")
    assert "<@U1>" not in _who_knows(bot, "terraform")[0]
    # The erasure took the consent with it: it has to be given again.
    assert "not findable (the default)" in _share(bot, "U1", "")


def test_the_home_tab_switch_opts_in_and_out(bot):
    _in_public(bot, "U1", "I use Docker")
    bot.click(
        whoknows_views.FINDABLE_TOGGLE,
        user="U1",
        selected_options=[{"value": "on"}],
        container="home",
    )
    assert "<@U1>" in _who_knows(bot, "docker")[0]
    view = bot.slack.calls_to("views.publish")[-1].json_param("view")
    (switch,) = [
        e
        for b in view["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == whoknows_views.FINDABLE_TOGGLE
    ]
    assert switch.get("initial_options")
    assert WHAT_OTHERS_SEE in json.dumps(view)

    bot.click(whoknows_views.FINDABLE_TOGGLE, user="U1", selected_options=[], container="home")
    assert "<@U1>" not in _who_knows(bot, "docker")[0]


@pytest.mark.parametrize(
    ("topic", "says"),
    [
        ("", "Find colleagues who know about a topic"),
        ("help", WHAT_OTHERS_SEE),
        ("x" * 500, "too long"),
    ],
)
def test_bad_input_gets_friendly_help(bot, topic, says):
    text, payload = _who_knows(bot, topic)
    assert says in text and payload["response_type"] == "ephemeral"
    assert not bot.openai.bodies("embeddings")  # nothing was searched


def test_share_alone_says_how_it_stands_and_changes_nothing(bot, pool):
    assert "not findable (the default)" in _share(bot, "U1", "")
    assert "not findable (the default)" in _share(bot, "U1", "maybe")
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM bot_user_prefs").fetchone()["n"] == 0


def test_a_forged_opt_in_naming_someone_else_changes_nothing(bot, pool):
    _in_public(bot, "U2", "I use Elixir")
    body = sr.command_body(
        "/interests", "share on", user="U2", team_id="T1", response_url=bot.slack.response_url("f")
    )
    forged = {**sr.signed_headers(body, "not-the-signing-secret")}
    assert bot.send(body, form=True, headers=forged).status == 401
    stale = sr.signed_headers(body, SIGNING_SECRET, timestamp=1_600_000_000)  # replayed, old
    assert bot.send(body, form=True, headers=stale).status == 401
    bot.drain()
    assert "<@U2>" not in _who_knows(bot, "elixir")[0]
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM bot_user_prefs").fetchone()["n"] == 0


def test_who_knows_through_the_lambda_handler(deployment, fake_slack, pool):  # noqa: F811
    mention = sr.mention_event("U1", "I love Rust", team_id="T1", channel="C1")
    deployment.request(sr.event_body(mention, team_id="T1"))
    deployment.run_async_invokes()

    url = fake_slack.response_url("share")
    body = sr.command_body("/interests", "share on", user="U1", team_id="T1", response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    (share_job,) = deployment.invokes.take_payloads()
    # A signed job changed to name someone else is dropped.
    forged = {**share_job, "memory_bot_job": {**share_job["memory_bot_job"], "user_id": "U2"}}
    assert lambda_handler.handler(forged, deployment.context)["ok"] is False
    assert lambda_handler.handler(share_job, deployment.context)["ok"] is True

    url = fake_slack.response_url("who")
    body = sr.command_body("/whoknows", "rust", user="U7", team_id="T1", response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    deployment.run_async_invokes()
    (listing,) = fake_slack.calls_to("response_url:who")
    assert listing.params["response_type"] == "ephemeral"
    assert re.search(r"<@U1>", listing.params["text"]) and "<@U2>" not in listing.params["text"]
    with pool.connection() as conn:
        findable = conn.execute("SELECT user_id FROM bot_user_prefs WHERE findable").fetchall()
    assert [r["user_id"] for r in findable] == ["U1"]


def test_who_knows_over_socket_mode(served_bot, fake_slack, bot):  # noqa: F811
    _in_public(bot, "U1", "I love Rust")  # learned (and opted in) through the in-process bot
    _share(bot, "U1")
    body = sr.command_body(
        "/whoknows", "rust", user="U7", team_id="T1", response_url=fake_slack.response_url("sm")
    )
    served_bot.ack(served_bot.send("slash_commands", dict(parse_qsl(body))), timeout=60)
    (listing,) = fake_slack.wait_for("response_url:sm", timeout=30)
    assert listing.params["response_type"] == "ephemeral" and "<@U1>" in listing.params["text"]
