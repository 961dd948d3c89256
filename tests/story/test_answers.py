"""What a person sees of one answer: links and sources from the web, feedback buttons, and
exactly one message however the model's stream ends. The real openai and slack_sdk clients
talk to the loopback fakes; `deliver` is driven directly, as the turn does."""

from __future__ import annotations

import openai
import pytest
from slack_sdk import WebClient

from bot.conversation.llm import Responder
from bot.jobs.deadlines import FINAL_WORD_S, Deadline
from bot.settings import Settings
from bot.slack import answer_blocks
from bot.slack.delivery import (
    CUT_OFF,
    MODEL_ERROR,
    OK,
    SEARCHING_PLACEHOLDER,
    Destination,
    deliver,
)
from bot.slack.notices import APOLOGY

DM = Destination("D1", None, "T1", "U1")
THREAD = Destination("C1", "1700000000.000001", "T1", "U1")
RUST_NEWS = ("https://blog.rust-lang.org/2025/01/09/Rust-1.84.0.html", "Announcing Rust 1.84.0")
RUST_BOOK = ("https://doc.rust-lang.org/book/", "The Rust Programming Language")
ANSWER = "Rust 1.84 stabilised new strict provenance APIs and a MSRV-aware resolver."


@pytest.fixture
def slack(fake_slack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake_slack.base_url)


def responder(fake_openai, model: str = "gpt-4.1-mini", **kwargs) -> Responder:
    client = openai.OpenAI(
        api_key="sk-test", base_url=fake_openai.base_url, timeout=5, max_retries=1
    )
    return Responder(client, model, **kwargs)


def ask(fake_openai, question: str = "What's new in Rust?", **kwargs):
    return responder(fake_openai).stream(
        "Be brief.", [{"role": "user", "content": question}], **kwargs
    )


def the_message(fake_slack, dest: Destination) -> dict:
    (message,) = fake_slack.messages(dest.channel)
    return message


def blocks_of(message: dict, kind: str) -> list[dict]:
    return [b for b in message.get("blocks") or [] if b["type"] == kind]


def texts_of(message: dict, kind: str) -> list[str]:
    found = []
    for block in blocks_of(message, kind):
        if kind == "section":
            found.append(block["text"]["text"])
        else:
            found += [e.get("text", "") for e in block.get("elements", [])]
    return found


def sources_lines(message: dict) -> list[str]:
    (sources,) = [t for t in texts_of(message, "section") if t.startswith("*Sources*")]
    return sources.splitlines()[1:]


# --- web search, links and sources ------------------------------------------------------


@pytest.mark.parametrize("dest", [DM, THREAD], ids=["dm", "thread"])
def test_cited_pages_become_links_and_a_short_sources_list(fake_openai, fake_slack, slack, dest):
    fake_openai.reply_text = ANSWER
    pages = [RUST_NEWS, RUST_BOOK, RUST_NEWS] + [
        (f"https://example{i}.com/rust", f"Rust page {i}") for i in range(5)
    ]
    fake_openai.search_finds(*pages)
    answer = ask(fake_openai)
    delivered = deliver(slack, dest, answer)

    message = the_message(fake_slack, dest)
    assert delivered.outcome == OK and delivered.ts == message["ts"]
    if dest is DM:  # Markdown links became Slack links in the text itself
        assert f"<{RUST_NEWS[0]}|blog.rust-lang.org>" in message["text"]
        assert f"<{RUST_NEWS[0]}|blog.rust-lang.org>" in texts_of(message, "section")[0]
    else:  # a streamed message is Markdown, which Slack renders
        assert f"[blog.rust-lang.org]({RUST_NEWS[0]})" in message["text"]
    assert message["text"].startswith(ANSWER)
    # Deduplicated by URL, in order of citation, five at most.
    assert sources_lines(message) == [
        f"• <{RUST_NEWS[0]}|{RUST_NEWS[1]}>",
        f"• <{RUST_BOOK[0]}|{RUST_BOOK[1]}>",
        "• <https://example0.com/rust|Rust page 0>",
        "• <https://example1.com/rust|Rust page 1>",
        "• <https://example2.com/rust|Rust page 2>",
    ]
    assert answer.web_searches == 1
    assert [c.url for c in answer.citations][:3] == [RUST_NEWS[0], RUST_BOOK[0], RUST_NEWS[0]]
    cited = answer.citations[0]
    assert answer.text[cited.start : cited.end] == f"[blog.rust-lang.org]({RUST_NEWS[0]})"


def test_the_request_offers_web_search_by_model_and_setting(fake_openai):
    def tools_sent(model: str, **kwargs) -> list:
        fake_openai.reset()
        stream = responder(fake_openai, model, **kwargs).stream("Be brief.", [])
        list(stream)
        (body,) = fake_openai.bodies("responses")
        return body.get("tools", [])

    assert tools_sent("gpt-4.1-mini") == [{"type": "web_search"}]
    assert tools_sent("gpt-5-chat-latest") == [{"type": "web_search_preview"}]
    assert tools_sent("gpt-3.5-turbo") == [{"type": "web_search_preview"}]
    assert tools_sent("gpt-4.1-nano") == []
    assert tools_sent("gpt-4.1-mini", web_search=False) == []
    assert Settings.from_env({}).web_search is True
    assert Settings.from_env({"WEB_SEARCH": "off"}).web_search is False


def test_while_the_model_searches_the_placeholder_and_status_say_so(fake_openai, fake_slack, slack):
    fake_openai.reply_text = ANSWER
    fake_openai.search_finds(RUST_NEWS)
    statuses: list[str] = []
    deliver(slack, DM, ask(fake_openai), on_status=statuses.append)
    assert statuses == ["is searching the web…"]
    first_update = fake_slack.calls_to("chat.update")[0]
    assert first_update.params["text"] == SEARCHING_PLACEHOLDER
    assert the_message(fake_slack, DM)["text"].startswith(ANSWER)


def test_without_a_search_no_status_is_announced(fake_openai, fake_slack, slack):
    statuses: list[str] = []
    answer = ask(fake_openai)
    deliver(slack, THREAD, answer, on_status=statuses.append)
    assert statuses == [] and answer.web_searches == 0
    assert "Sources" not in str(the_message(fake_slack, THREAD)["blocks"])


# --- feedback --------------------------------------------------------------------------


@pytest.mark.parametrize("dest", [DM, THREAD], ids=["dm", "thread"])
def test_every_answer_ends_with_an_ai_note_and_feedback_buttons(
    fake_openai, fake_slack, slack, dest
):
    deliver(slack, dest, ask(fake_openai))
    message = the_message(fake_slack, dest)
    assert message["blocks"][-1]["type"] == "context_actions"
    (buttons,) = message["blocks"][-1]["elements"]
    assert buttons["type"] == "feedback_buttons"
    assert buttons["action_id"] == "answer_feedback"
    assert (buttons["positive_button"]["value"], buttons["negative_button"]["value"]) == (
        "good",
        "bad",
    )
    assert any("AI-generated" in t for t in texts_of(message, "context"))


@pytest.mark.parametrize("dest", [DM, THREAD], ids=["dm", "thread"])
def test_where_feedback_buttons_are_refused_two_small_buttons_stand_in(
    fake_openai, fake_slack, slack, dest
):
    fake_slack.refuse_blocks("context_actions")
    fake_openai.reply_text = ANSWER
    delivered = deliver(slack, dest, ask(fake_openai))
    message = the_message(fake_slack, dest)
    assert delivered.ts == message["ts"]
    assert message["text"].startswith(ANSWER)
    assert blocks_of(message, "context_actions") == []
    (actions,) = blocks_of(message, "actions")
    values = [e["value"] for e in actions["elements"]]
    assert values == ["good", "bad"]
    assert all(answer_blocks.FEEDBACK_ACTIONS.match(e["action_id"]) for e in actions["elements"])


def test_the_clicker_is_thanked():
    text, blocks = answer_blocks.thanks("good")
    assert "Thanks" in text and blocks
    assert "Thanks" in answer_blocks.thanks("bad")[0]


# --- streams that end early: one message, marked or apologised ---------------------------


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
@pytest.mark.parametrize("dest", [DM, THREAD], ids=["dm", "thread"])
def test_a_stream_cut_off_after_some_text_is_marked_in_the_same_message(
    fake_openai, fake_slack, slack, dest, reset
):
    fake_openai.reply_text = ANSWER
    fake_openai.cut_stream(after_chars=30, reset=reset)
    answer = ask(fake_openai)
    delivered = deliver(slack, dest, answer)

    message = the_message(fake_slack, dest)  # exactly one message
    assert delivered.outcome == CUT_OFF and delivered.ts == message["ts"]
    assert message["text"].startswith(ANSWER[:30] + " …")
    assert ANSWER[30:] not in message["text"]
    assert answer_blocks.CUT_OFF_NOTE in texts_of(message, "context")
    assert APOLOGY not in str(fake_slack.calls)
    assert not answer.completed and answer.cut_off


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
@pytest.mark.parametrize("dest", [DM, THREAD], ids=["dm", "thread"])
def test_a_stream_closed_before_any_text_gets_one_apology(
    fake_openai, fake_slack, slack, dest, reset
):
    fake_openai.cut_stream(after_chars=0, reset=reset)
    delivered = deliver(slack, dest, ask(fake_openai))
    message = the_message(fake_slack, dest)
    assert message["text"] == APOLOGY
    assert delivered.outcome == CUT_OFF and delivered.text == ""
    assert fake_slack.calls_to("chat.startStream") == []  # no empty streamed message


@pytest.mark.parametrize("dest", [DM, THREAD], ids=["dm", "thread"])
def test_a_model_that_fails_gets_one_apology_in_place(fake_openai, fake_slack, slack, dest):
    fake_openai.fail_next("responses", status=500, count=2, retry_after=0.01)
    delivered = deliver(slack, dest, ask(fake_openai))
    assert the_message(fake_slack, dest)["text"] == APOLOGY
    assert delivered.outcome == MODEL_ERROR


def test_a_model_slower_than_the_time_left_is_not_retried_and_the_apology_comes(
    fake_openai, fake_slack, slack
):
    fake_openai.fail_next("responses", status=None, delay=3)
    deadline = Deadline.after(FINAL_WORD_S + 1)
    delivered = deliver(slack, DM, ask(fake_openai, deadline=deadline), deadline=deadline)
    assert the_message(fake_slack, DM)["text"] == APOLOGY
    assert delivered.outcome == MODEL_ERROR
    assert len(fake_openai.bodies("responses")) == 1


# --- what the answer log gets ------------------------------------------------------------


def test_usage_model_and_timings_come_from_the_api(fake_openai, fake_slack, slack):
    long_question = "Tell me about Rust's ownership model. " * 200  # past 1,024 tokens
    first = ask(fake_openai, long_question)
    deliver(slack, DM, first)
    again = ask(fake_openai, long_question)
    deliver(slack, DM, again)

    assert first.completed and first.model == "gpt-4.1-mini"
    assert first.usage.input_tokens > 1_024 and first.usage.output_tokens > 0
    assert first.usage.cached_tokens == 0
    assert again.usage.cached_tokens >= 1_024  # the repeated prompt prefix was cached
    assert 0 <= first.first_token_s <= first.total_s
