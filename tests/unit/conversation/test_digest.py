"""The digest without Slack: which interests it is about, the one request with web search, and
the answer cut into items that each know their interest and their sources."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.conversation.answer_stream import Citation, ModelError
from bot.conversation.digest import DigestWriter, split_items, top_interests
from bot.conversation.llm import Responder, openai_client
from bot.memory.schema import Memory


def memory(topic: str, level: int | None = 80, age_days: int = 0, key: str | None = None):
    updated = datetime(2026, 12, 1, tzinfo=UTC) - timedelta(days=age_days)
    return Memory(key or topic.lower(), topic, None, level, None, updated_at=updated)


RUST, K8S, GO = memory("Rust", 90), memory("Kubernetes", 70), memory("Go", 70, age_days=3)


def test_the_top_interests_are_the_most_interesting_then_the_most_recent():
    lowered = memory("Angular", 0)
    unrated = memory("Elixir", None)
    assert top_interests([GO, lowered, unrated, K8S, RUST]) == [RUST, K8S, GO]
    assert top_interests([lowered, unrated]) == [unrated]  # 0 is out: "less of this" to the end


def test_each_item_is_tied_to_the_interest_it_names_first_and_keeps_its_citations():
    text = (
        "Here is what's new.\n\n"
        "**Rust** 1.95 is out, with better async closures.\n"
        "It also speeds up builds.\n\n"
        "- **Kubernetes** 1.35 graduates in-place pod resize (see [k8s.io](https://k8s.io/x)).\n"
        "- Nothing new about the Go toolchain this week, but Rust-analyzer shipped."
    )
    k8s_link = text.index("[k8s.io]")
    citations = [
        Citation("https://blog.rust-lang.org/", "Rust blog", 30, 40),
        Citation("https://k8s.io/x", "k8s", k8s_link, k8s_link + 25),
    ]
    items = split_items(text, citations, [RUST, K8S, GO])
    assert [i.interest for i in items] == [None, RUST, K8S, GO]
    assert (
        items[1].text
        == "**Rust** 1.95 is out, with better async closures.\nIt also speeds up builds."
    )
    assert [c.url for c in items[1].citations] == ["https://blog.rust-lang.org/"]
    assert [c.url for c in items[2].citations] == ["https://k8s.io/x"]
    assert items[3].citations == ()


def test_citations_after_the_last_item_belong_to_it():
    text = "**Rust**: news.\n\n**Go**: more news."
    late = Citation("https://go.dev/blog", "Go blog", len(text) + 2, len(text) + 20)
    items = split_items(text, [late], [RUST, GO])
    assert [c.url for c in items[-1].citations] == ["https://go.dev/blog"]


def test_a_topic_is_matched_as_a_whole_word_only():
    items = split_items("**Gopher** news.\n\n**Go** news.", [], [GO])
    assert [i.interest for i in items] == [None, GO]


@pytest.fixture
def writer(settings, fake_openai) -> DigestWriter:
    return DigestWriter(Responder(openai_client(settings), "gpt-4.1-mini"))


def test_one_request_offers_the_web_search_tool_and_names_each_interest(writer, fake_openai):
    fake_openai.reply_text = "**Rust**: news.\n\n**Kubernetes**: news."
    fake_openai.search_finds(("https://example.com/rust", "Rust news"))
    digest = writer.write(
        [RUST, K8S], frequency="weekly", language="Japanese", today=date(2026, 12, 1)
    )
    (body,) = fake_openai.bodies("responses")
    assert body["tools"] == [{"type": "web_search"}]
    assert "- Rust" in body["instructions"] and "- Kubernetes" in body["instructions"]
    assert "weekly" in body["instructions"] and "Write in Japanese" in body["instructions"]
    assert "2026-12-01" in body["input"][0]["content"]
    assert [i.interest for i in digest.items] == [RUST, K8S]
    assert digest.web_searches == 1 and digest.usage.input_tokens > 0
    assert not digest.cut_off


def test_an_empty_answer_is_a_model_error(writer, fake_openai):
    fake_openai.reply_text = "  "
    with pytest.raises(ModelError):
        writer.write([RUST], frequency="daily", language="English", today=date(2026, 12, 1))
