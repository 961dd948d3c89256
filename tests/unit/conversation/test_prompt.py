"""The model's input: who wrote each earlier thread message, within a fixed budget."""

from __future__ import annotations

from bot.conversation.prompt import MAX_THREAD_CHARS, ThreadMessage, build_input


def test_labels_for_other_peoples_messages_count_toward_the_thread_budget():
    thread = [ThreadMessage(False, "x" * 2_000, by_other=f"U{i}") for i in range(20)]
    items = build_input(thread, "my question")
    earlier = items[:-1]
    assert sum(len(item["content"]) for item in earlier) <= MAX_THREAD_CHARS
    assert all(item["content"].startswith("(Context:") for item in earlier)
    assert earlier[-1]["content"].endswith("U19: " + "x" * 2_000)  # the newest are kept
    assert items[-1] == {"role": "user", "content": "my question"}
