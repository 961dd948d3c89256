"""A person's tech digest: their top interests, one Responses request with web search for
what is new about each, and the answer cut into items, each tied to the interest it is about
and to the pages it cites. Slack-free; bot/slack/digest_delivery.py posts it."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.conversation.answer_stream import Citation, ModelError, Usage
from bot.conversation.llm import Responder
from bot.conversation.prompt import format_memory
from bot.jobs.deadlines import Deadline
from bot.memory.schema import Memory

# Interests a digest is about, and so at most this many items.
DIGEST_TOPICS = 3
# An interest without a level counts as this much when ranking.
UNRATED_INTEREST = 50

_INSTRUCTIONS = """\
You write one person's {cadence} tech digest, sent to them as a Slack direct message.
Their interests, most important first:
{interests}

Search the web for what is new {span} about each interest. Write one short item per interest, \
in the order given: start the item with the interest's name in bold, then two or three \
sentences on one recent, concrete development, and cite the page you found it on. Leave out an \
interest only if you found nothing recent about it. No greeting, no headings, no sign-off. \
Write in {language}. Format with Markdown."""
_CADENCE = {
    "daily": ("daily", "since yesterday (or else this week)"),
    "weekly": ("weekly", "this week"),
}
# Where an item may begin: a blank line, or a line that starts a list entry or a heading.
_ITEM_START = re.compile(r"\n\s*\n|\n(?=[ \t]*(?:[-*+•]|\d+[.)]|#{1,6})\s)")


@dataclass(frozen=True)
class DigestItem:
    text: str  # Markdown, as the model wrote it
    interest: Memory | None  # the interest it names first; None for a line naming none
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Digest:
    items: tuple[DigestItem, ...]
    interests: tuple[Memory, ...]
    model: str
    total_ms: int
    cut_off: bool
    usage: Usage | None = None
    web_searches: int = 0


def top_interests(memories: Sequence[Memory], limit: int = DIGEST_TOPICS) -> list[Memory]:
    """The most interesting first, the most recently learned among equals; an interest lowered
    to 0 ("less of this" until nothing is left) is out."""

    def level(memory: Memory) -> int:
        return UNRATED_INTEREST if memory.interest_level is None else memory.interest_level

    ranked = sorted(
        (m for m in memories if level(m) > 0),
        key=lambda m: (level(m), m.updated_at.timestamp() if m.updated_at else 0.0),
        reverse=True,
    )
    return ranked[:limit]


def instructions(interests: Sequence[Memory], *, frequency: str, language: str) -> str:
    cadence, span = _CADENCE.get(frequency, _CADENCE["daily"])
    lines = "\n".join(format_memory(m) for m in interests)
    return _INSTRUCTIONS.format(cadence=cadence, interests=lines, span=span, language=language)


class DigestWriter:
    def __init__(self, responder: Responder) -> None:
        self._responder = responder

    def write(
        self,
        interests: Sequence[Memory],
        *,
        frequency: str,
        language: str,
        today: date,
        deadline: Deadline | None = None,
    ) -> Digest:
        """One Responses request (web search on offer), read to its end. Raises ModelError
        if the model fails or says nothing."""
        started = time.perf_counter()
        request = f"My {frequency} tech digest for {today.isoformat()}, please."
        stream = self._responder.stream(
            instructions(interests, frequency=frequency, language=language),
            [{"role": "user", "content": request}],
            deadline=deadline,
        )
        for _ in stream:
            pass
        if not stream.text.strip():
            raise ModelError("the digest came back empty")
        return Digest(
            items=tuple(split_items(stream.text, stream.citations, interests)),
            interests=tuple(interests),
            model=stream.model,
            total_ms=round((time.perf_counter() - started) * 1000),
            cut_off=not stream.completed,
            usage=stream.usage,
            web_searches=stream.web_searches,
        )


def split_items(
    text: str, citations: Sequence[Citation], interests: Sequence[Memory]
) -> list[DigestItem]:
    """Cut the answer where items begin; a part naming no interest joins the item before it
    (a second paragraph, a list of links). Each item keeps the citations inside it."""
    spans: list[tuple[int, int, Memory | None]] = []
    start = 0
    for match in [*_ITEM_START.finditer(text), None]:
        end = match.start() if match else len(text)
        part = text[start:end]
        if part.strip():
            named = _first_named(part, interests)
            if named is None and spans:
                spans[-1] = (spans[-1][0], end, spans[-1][2])
            else:
                spans.append((start, end, named))
        start = match.end() if match else len(text)
    items = []
    for index, (begin, end, interest) in enumerate(spans):
        last = index == len(spans) - 1
        cited = tuple(c for c in citations if begin <= c.start < end or (last and c.start >= end))
        items.append(DigestItem(text[begin:end].strip(), interest, cited))
    return items


def _first_named(text: str, interests: Sequence[Memory]) -> Memory | None:
    found = []
    for interest in interests:
        match = re.search(rf"(?<!\w){re.escape(interest.topic.strip())}(?!\w)", text, re.I)
        if match:
            found.append((match.start(), interest))
    return min(found, key=lambda hit: hit[0])[1] if found else None
