"""Task cards: which card a step gets, how its status moves and how it ends."""

from __future__ import annotations

from bot.conversation.answer_stream import Citation, WebSearch
from bot.i18n.catalogue import ENGLISH
from bot.memory.schema import ConversationKind, Memory
from bot.slack.receipts import receipt_for
from bot.slack.task_cards import TaskCards


def _cards(*topics: str, recalled: bool = True) -> TaskCards:
    memories = [Memory(t.lower(), t, None, None, None, private=False) for t in topics]
    receipt = receipt_for(
        memories, where=ConversationKind.DM, channel="D1", asker="U1", t=ENGLISH, recalled=recalled
    )
    return TaskCards(receipt)


def test_recall_says_how_many_things_and_which():
    assert [c.to_dict() for c in _cards("Rust", "Go").opening()] == [
        {
            "type": "task_update",
            "id": "recall",
            "title": "Remembered 2 things about you",
            "status": "complete",
            "details": "Rust · Go",
        }
    ]
    assert _cards("Rust").opening()[0].title == "Remembered 1 thing about you"
    assert _cards().opening()[0].to_dict() == {
        "type": "task_update",
        "id": "recall",
        "title": "Nothing remembered yet",
        "status": "complete",
    }
    assert _cards(recalled=False).opening() == []  # nothing was looked up: no card


def test_a_search_moves_pending_in_progress_complete_or_error():
    cards = _cards()
    statuses = {
        s: cards.search(WebSearch("ws_1", s)).status
        for s in ("in_progress", "searching", "completed", "failed")
    }
    assert statuses == {
        "in_progress": "pending",
        "searching": "in_progress",
        "completed": "complete",
        "failed": "error",
    }
    assert cards.search(WebSearch("ws_1", "searching")).title == "Searching the web"
    assert cards.search(WebSearch("ws_1", "completed", "rust 1.84")).title == (
        "Web search: rust 1.84"
    )


def test_the_last_word_puts_the_cited_pages_on_the_last_finished_search():
    cited = [
        Citation("https://a.example/", "A", 0, 1),
        Citation("https://b.example/", "B", 2, 3),
        Citation("https://a.example/", "A", 4, 5),
    ]
    searches = [
        WebSearch("ws_1", "completed", "one"),
        WebSearch("ws_2", "completed", "two"),
        WebSearch("ws_3", "searching"),
    ]
    first, second, third = (c.to_dict() for c in _cards().closing(searches, cited))
    assert "sources" not in first and first["status"] == "complete"
    assert second["sources"] == [
        {"type": "url", "url": "https://a.example/", "text": "A"},
        {"type": "url", "url": "https://b.example/", "text": "B"},
    ]
    assert third == {
        "type": "task_update",
        "id": "ws_3",
        "title": "Searching the web",
        "status": "error",  # never finished: the answer ended first
    }


def test_a_long_query_is_clipped():
    card = _cards().search(WebSearch("ws_1", "completed", "q" * 500))
    assert len(card.title) <= 150
