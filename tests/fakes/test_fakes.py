"""Smoke tests: the real openai, langchain-openai, langmem and slack_sdk clients vs the fakes."""

from __future__ import annotations

import math
import threading
import time

import openai
import pytest
from langchain_openai import ChatOpenAI
from langmem import create_memory_manager
from pydantic import BaseModel, Field
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes import FakeOpenAI, FakeSlack


class UserTechInterest(BaseModel):
    """A technology the user is interested in."""

    topic: str
    category: str | None = None
    interest_level: int | None = Field(default=None, ge=0, le=100)
    description: str | None = None


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def client(fake_openai):
    return openai.OpenAI(base_url=fake_openai.base_url, api_key="sk-test")


@pytest.fixture
def slack():
    with FakeSlack(team_id="T1", bot_user_id="UBOT", bot_id="BBOT") as fake:
        yield fake


@pytest.fixture
def web(slack):
    return WebClient(token="xoxb-test", base_url=slack.base_url)


# -- OpenAI ---------------------------------------------------------------------------
def test_responses_non_streaming(fake_openai, client):
    response = client.responses.create(
        model="gpt-x", instructions="Be brief.", input="Tell me about Rust"
    )
    assert response.output_text == "Answer: Tell me about Rust"
    # o200k_base: "Be brief." is 3 tokens, "Tell me about Rust" 4; 3 per message, 3 to prime.
    assert response.usage.input_tokens == 3 + 3 + 4 + 3 + 3
    [recorded] = fake_openai.requests
    assert recorded.path == "/v1/responses"
    assert recorded.headers["authorization"] == "Bearer sk-test"


def test_responses_streaming(fake_openai, client):
    fake_openai.reply_text = "a fairly long streamed answer"
    events = list(client.responses.create(model="gpt-x", input="hi", stream=True))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) > 1 and "".join(deltas) == "a fairly long streamed answer"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].type == "response.completed" and events[-1].response.usage.total_tokens

    with client.responses.stream(model="gpt-x", input="hi") as stream:
        assert "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        assert stream.get_final_response().output_text == "a fairly long streamed answer"


def test_responses_injected_failures(fake_openai, client):
    fake_openai.fail_next("responses", status=500, retry_after=0.01)
    assert client.responses.create(model="gpt-x", input="x").output_text == "Answer: x"
    assert len(fake_openai.bodies("responses")) == 2  # the SDK retried once

    fake_openai.fail_next("responses", status=None, delay=1.0)  # slow, not failing
    with pytest.raises(openai.APITimeoutError):
        client.with_options(timeout=0.2, max_retries=0).responses.create(model="gpt-x", input="x")


def test_latency_delays_every_reply_per_request(fake_openai, client):
    fake_openai.latency = lambda request: 0.3 if request.path == "/v1/embeddings" else 0.0
    started = time.monotonic()
    client.responses.create(model="gpt-x", input="x")
    assert time.monotonic() - started < 0.25  # other endpoints answer at once
    started = time.monotonic()
    client.embeddings.create(model="e", input="x")
    assert time.monotonic() - started >= 0.3
    # Recorded on arrival, before the wait: what a benchmark times requests leaving by.
    assert fake_openai.requests[-1].time - started < 0.25


def test_embeddings_base64_default_and_similarity(fake_openai, client):
    texts = ["I love Rust and Kubernetes", "Kubernetes and Rust I love", "baking sourdough bread"]
    vectors = [d.embedding for d in client.embeddings.create(model="e", input=texts).data]
    assert fake_openai.bodies("embeddings")[0]["encoding_format"] == "base64"

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert len(vectors[0]) == 1536 and math.isclose(cosine(vectors[0], vectors[0]), 1, rel_tol=1e-5)
    assert cosine(vectors[0], vectors[1]) > 0.99  # same words, different order
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    small = client.embeddings.create(model="e", input="hi", dimensions=8)
    assert len(small.data[0].embedding) == 8


def test_langmem_extracts_interests_without_duplicates(fake_openai):
    llm = ChatOpenAI(model="gpt-x", base_url=fake_openai.base_url, api_key="sk-test")
    manager = create_memory_manager(
        llm,
        schemas=[UserTechInterest],
        instructions="Extract the user's tech interests, e.g. Python, Go or AWS.",
        enable_inserts=True,
    )
    first = manager.invoke(
        {"messages": [{"role": "user", "content": "I love Rust and Kubernetes"}]}
    )
    assert sorted(m.content.topic for m in first) == ["Kubernetes", "Rust"]
    assert len(fake_openai.bodies("chat")) == 1  # no trustcall validation retries

    second = manager.invoke(
        {
            "messages": [{"role": "user", "content": "Rust is still great. Now learning AWS."}],
            "existing": first,
        }
    )
    assert len(fake_openai.bodies("chat")) == 2
    topics = [m.content.topic for m in second]
    assert sorted(topics) == ["AWS", "Kubernetes", "Rust"]
    rust_id = next(m.id for m in first if m.content.topic == "Rust")
    rust = next(m for m in second if m.content.topic == "Rust")
    assert rust.id == rust_id and rust.content.description == "Mentioned: Rust is still great."


# -- Slack ----------------------------------------------------------------------------
def test_slack_chat_stream_and_replies(slack, web):
    web.chat_postMessage(channel="C1", thread_ts="1699999999.000001", text="thinking...")
    stream = web.chat_stream(
        channel="C1",
        thread_ts="1699999999.000001",
        recipient_team_id="T1",
        recipient_user_id="U1",
        buffer_size=5,
    )
    stream.append(markdown_text="Hello ")
    stream.append(markdown_text="world")
    stop = stream.stop()
    assert stop["message"]["text"] == "Hello world"
    assert [c.method for c in slack.calls] == [
        "chat.postMessage",
        "chat.startStream",
        "chat.appendStream",
        "chat.stopStream",
    ]
    replies = web.conversations_replies(channel="C1", ts="1699999999.000001")["messages"]
    assert [m["text"] for m in replies] == ["thinking...", "Hello world"]


def test_slack_files_upload_v2(slack, web):
    web.files_upload_v2(content="col1,col2\n", filename="data.csv", channel="C1")
    [upload] = slack.calls_to("upload")
    assert upload.params["content"] == b"col1,col2\n"
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.json_param("files")[0]["id"] == upload.params["file_id"]


def test_slack_rate_limit_is_retried(slack):
    client = WebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    first, second = slack.calls_to("chat.postMessage")
    assert second.time - first.time >= 1  # honoured Retry-After


def test_slack_auth_errors_response_url_and_wait_for(slack, web):
    with pytest.raises(SlackApiError) as no_token:
        WebClient(base_url=slack.base_url).auth_test()
    assert no_token.value.response["error"] == "not_authed"

    # The bot answers from worker threads; wait_for lets the test block until it has.
    threading.Timer(0.1, lambda: web.chat_postMessage(channel="C1", text="later")).start()
    [call] = slack.wait_for("chat.postMessage", timeout=5)
    assert call.params["text"] == "later"
    with pytest.raises(AssertionError, match="chat.delete"):
        slack.wait_for("chat.delete", timeout=0.1)

    assert WebhookClient(slack.response_url("r1")).send(text="done").status_code == 200
    assert slack.calls_to("response_url:r1")[0].params == {"text": "done"}


def test_responses_web_search_streams_like_the_api(fake_openai, client):
    fake_openai.search_finds(("https://example.com/a", "Page A"))
    request = {"model": "gpt-4.1-mini", "input": "news?", "tools": [{"type": "web_search"}]}
    with client.responses.stream(**request) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds.index("response.web_search_call.searching") < kinds.index(
        "response.output_text.delta"
    )
    assert "response.output_text.annotation.added" in kinds
    assert final.output[0].type == "web_search_call"
    (annotation,) = final.output[1].content[0].annotations
    assert (annotation.url, annotation.title) == ("https://example.com/a", "Page A")
    assert final.output_text[annotation.start_index : annotation.end_index] == (
        "[example.com](https://example.com/a)"
    )
