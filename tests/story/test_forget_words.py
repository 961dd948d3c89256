"""`/forget <words>` takes only what the person meant: memories whose topic or category the
words name go (and are listed); memories that only mention the words, or mean something close,
are offered with a "Forget <topic>" button each and never erased unasked."""

from __future__ import annotations

import json

import pytest

from bot.db.storage import StoreBuilder
from bot.memory.schema import namespace
from bot.slack.memory_views import FORGET_ONE
from tests.conftest import TEST_DIMS
from tests.fakes.openai_fake import fake_embedding
from tests.support import slack_requests as sr
from tests.support.lambda_bot import lambda_bot


def _remember(pool, user: str, key: str, topic: str, category: str, description: str) -> None:
    store = StoreBuilder(lambda texts: [fake_embedding(t, TEST_DIMS) for t in texts], TEST_DIMS)
    content = {"topic": topic, "category": category, "description": description}
    store.on(pool).put(namespace("T1", user), key, {"kind": "UserTechInterest", "content": content})


@pytest.fixture
def alices_memories(pool):
    _remember(pool, "U1", "rs", "Rust", "programming language", "Writes the CLI tools at work")
    _remember(pool, "U1", "go", "Go", "programming language", "Moved the API from Rust to Go")
    _remember(pool, "U1", "k8s", "Kubernetes", "infrastructure", "Runs the clusters at work")


def _offered(payload: dict) -> dict[str, str]:
    """{button text: memory key} of the Forget buttons offered."""
    return {
        block["accessory"]["text"]["text"]: block["accessory"]["value"]
        for block in payload.get("blocks") or []
        if (block.get("accessory") or {}).get("action_id") == FORGET_ONE
    }


@pytest.mark.parametrize("words", ["the", "work"])
def test_words_found_only_in_descriptions_delete_nothing_and_are_offered(
    bot, alices_memories, words
):
    _, url = bot.command("/forget", words, user="U1")

    assert bot.topics("T1", "U1") == {"Rust", "Go", "Kubernetes"}
    (answer,) = bot.responses(url)
    assert "Nothing was deleted" in answer["text"]
    offered = _offered(answer)
    expected = {"the": {"Rust", "Go", "Kubernetes"}, "work": {"Rust", "Kubernetes"}}[words]
    assert set(offered) == {f"Forget {topic}" for topic in expected}
    assert answer["response_type"] == "ephemeral"


def test_a_topic_named_goes_and_is_listed_while_a_mere_mention_is_offered(bot, alices_memories):
    _, url = bot.command("/forget", "rust", user="U1")

    assert bot.topics("T1", "U1") == {"Go", "Kubernetes"}
    (answer,) = bot.responses(url)
    assert answer["text"] == "I forgot 1 memory about “rust”:"
    assert "*Rust*" in json.dumps(answer["blocks"])
    assert _offered(answer) == {"Forget Go": "go"}


def test_a_category_named_goes_as_a_topic_does(bot, alices_memories):
    _, url = bot.command("/forget", "programming language", user="U1")
    assert bot.topics("T1", "U1") == {"Kubernetes"}
    assert bot.last_response_text(url).startswith("I forgot 2 memories")


def test_an_offered_memory_goes_when_its_owner_clicks_and_not_for_anyone_else(bot, alices_memories):
    _, url = bot.command("/forget", "the", user="U1")
    key = _offered(bot.responses(url)[0])["Forget Kubernetes"]

    bot.click(FORGET_ONE, user="U2", value=key)  # a forged click names Alice's memory
    assert bot.topics("T1", "U1") == {"Rust", "Go", "Kubernetes"}

    _, clicked = bot.click(FORGET_ONE, user="U1", value=key)
    assert bot.topics("T1", "U1") == {"Rust", "Go"}
    assert "Forgot “Kubernetes”." in bot.last_response_text(clicked)


def test_a_japanese_reader_is_answered_in_japanese(bot, alices_memories):
    bot.slack.profiles["U1"] = {"locale": "ja-JP"}
    _, url = bot.command("/forget", "work", user="U1")
    (answer,) = bot.responses(url)
    assert answer["text"].startswith("何も消去していません。")
    assert set(_offered(answer)) == {"「Rust」を忘れる", "「Kubernetes」を忘れる"}


def test_through_lambda_forget_the_deletes_nothing(
    monkeypatch, fake_slack, fake_openai, database_url, bot, alices_memories
):
    url = fake_slack.response_url("lambda-forget")
    body = sr.command_body("/forget", "the", user="U1", team_id="T1", response_url=url)
    with lambda_bot(monkeypatch, fake_slack, fake_openai, database_url) as deployed:
        assert deployed.request(body, form=True)["statusCode"] == 200

    assert bot.topics("T1", "U1") == {"Rust", "Go", "Kubernetes"}
    (answer,) = [call.params for call in fake_slack.calls_to("response_url:lambda-forget")]
    assert len(_offered(answer)) == 3
