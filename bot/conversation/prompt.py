"""What the model is given: instructions with the person's memories, the thread, the message.

Everything here is bounded in characters so a reply's prompt stays within a fixed token budget
however many memories or thread messages exist (about 4 characters per token).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.jobs.limits import MAX_MESSAGE_CHARS
from bot.text import clip

if TYPE_CHECKING:
    from bot.memory.schema import Memory

MAX_MEMORY_CHARS = 4_000
MAX_MEMORY_LINE_CHARS = 300
MAX_THREAD_MESSAGES = 20
MAX_THREAD_CHARS = 12_000
# instructions + memories + thread + message, in characters; ~6,500 tokens.
PROMPT_BUDGET_CHARS = 1_000 + MAX_MEMORY_CHARS + MAX_THREAD_CHARS + MAX_MESSAGE_CHARS

BASE_INSTRUCTIONS = (
    "You are a helpful technical assistant in Slack. Answer clearly and concisely. "
    "Answer in the language the person writes in, whatever the language of the memories. "
    "Use what you remember about the person below to tailor the answer to their interests and "
    "background, without reciting the memories back unless asked. "
    "If asked what you remember, summarise the memories. "
    "When you search the web, use what you remember about the person to focus the search on "
    "the technologies they use and care about, and cite the pages you used. "
    "Format with Markdown (headings, lists, code blocks)."
)
TRUNCATION_NOTE = "\n\n[The message was too long and was cut here.]"


@dataclass(frozen=True)
class ThreadMessage:
    from_bot: bool
    text: str


def bound_message(text: str) -> str:
    return clip(text, MAX_MESSAGE_CHARS, TRUNCATION_NOTE)


def format_memory(memory: Memory) -> str:
    parts = [memory.topic]
    if memory.category:
        parts.append(f"({memory.category})")
    if memory.interest_level is not None:
        parts.append(f"interest {memory.interest_level}/100")
    line = " ".join(parts)
    if memory.description:
        line += f": {memory.description}"
    return "- " + clip(line, MAX_MEMORY_LINE_CHARS)


def memory_lines(memories: Sequence[Memory]) -> list[str]:
    """One line per memory, most relevant first, until MAX_MEMORY_CHARS."""
    lines: list[str] = []
    used = 0
    for memory in memories:
        line = format_memory(memory)
        if used + len(line) + 1 > MAX_MEMORY_CHARS:
            break
        lines.append(line)
        used += len(line) + 1
    return lines


def build_instructions(memories: Sequence[Memory]) -> str:
    """Memories arrive most relevant first; the least relevant fall off at the budget."""
    if not memories:
        return BASE_INSTRUCTIONS + "\n\n## Memories\nNothing is remembered about this person yet."
    lines = memory_lines(memories)
    return BASE_INSTRUCTIONS + "\n\n## Memories\n<memories>\n" + "\n".join(lines) + "\n</memories>"


def build_input(thread: Sequence[ThreadMessage], message: str) -> list[dict[str, str]]:
    """Earlier thread messages (newest kept when over budget), then the person's message."""
    kept: list[ThreadMessage] = []
    used = 0
    for earlier in reversed(thread[-MAX_THREAD_MESSAGES:]):
        text = clip(earlier.text, MAX_THREAD_CHARS // 4)
        if not text.strip():
            continue
        if used + len(text) > MAX_THREAD_CHARS:
            break
        kept.append(ThreadMessage(earlier.from_bot, text))
        used += len(text)
    items = [
        {"role": "assistant" if m.from_bot else "user", "content": m.text} for m in reversed(kept)
    ]
    items.append({"role": "user", "content": bound_message(message)})
    return items
