"""The catch-up's prompt: numbered messages with their authors, within a fixed budget."""

from __future__ import annotations

from bot.conversation import catch_up_prompt as prompt
from bot.conversation.catch_up_prompt import Said
from bot.conversation.prompt import PROMPT_BUDGET_CHARS
from bot.memory.schema import Memory


def _thread(n: int, size: int = 100) -> list[Said]:
    return [Said(i, f"U{i % 3}", f"1.{i}", f"message {i} " + "x" * size) for i in range(1, n + 1)]


def test_a_short_thread_is_kept_whole_with_authors_and_numbers():
    kept = prompt.keep_within_budget(_thread(3))
    text = prompt.transcript(kept)
    assert not kept.partial
    assert "[1] <@U1>: message 1" in text and "[3] <@U0>: message 3" in text
    assert "left out" not in text


def test_a_long_thread_keeps_the_first_and_the_latest_and_says_what_was_left_out():
    kept = prompt.keep_within_budget(_thread(1000, size=500))
    numbers = [m.number for m in kept.messages]
    assert numbers[0] == 1 and numbers[-1] == 1000
    assert numbers[1:] == list(range(numbers[1], 1001))
    text = prompt.transcript(kept)
    assert f"[… {numbers[1] - 2} messages left out …]" in text
    assert len(text) <= prompt.MAX_CATCH_UP_THREAD_CHARS + 100
    assert len(prompt.instructions("U1", [], "en")) + len(text) <= PROMPT_BUDGET_CHARS


def test_one_huge_message_is_cut_and_empty_ones_skipped():
    thread = [Said(1, "U1", "1.1", "y" * 50_000), Said(2, "U2", "1.2", "   ")]
    kept = prompt.keep_within_budget(thread)
    assert [m.number for m in kept.messages] == [1] and kept.total == 2
    assert len(prompt.transcript(kept)) < prompt.MAX_CATCH_UP_MESSAGE_CHARS + 200


def test_instructions_carry_the_memories_and_the_persons_language():
    rust = Memory("k", "Rust", "language", 80, "ships services in it")
    text = prompt.instructions("U1", [rust], "ja")
    assert "<@U1>" in text and "Write in Japanese" in text and "Rust (language)" in text
    assert "Nothing is remembered" in prompt.instructions("U1", [], "fr")


def test_citations_are_read_in_order_once_each():
    assert prompt.cited_numbers("a [3] b [1][3] c [12]") == [3, 1, 12]
