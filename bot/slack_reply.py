"""Delivering one answer into exactly one Slack message, as the model writes it.

In a thread, the answer streams through Slack's chat.startStream/appendStream/stopStream
(slack_sdk's chat_stream). Streams must live in a thread, so a top-level DM gets a placeholder
that chat.update grows at a bounded rate instead; that is also the fallback whenever Slack
refuses to stream.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.chat_stream import ChatStream

from bot.mrkdwn import (
    MAX_BLOCKS,
    MAX_MARKDOWN_CHARS,
    MAX_SECTION_CHARS,
    split_markdown,
    to_mrkdwn,
)
from bot.prompt import clip

log = logging.getLogger(__name__)

PLACEHOLDER = "_Thinking…_"
UPDATE_INTERVAL_S = 1.0
STREAM_BUFFER_CHARS = 128


@dataclass(frozen=True)
class Destination:
    channel: str
    thread_ts: str | None  # None: top level of a DM
    team_id: str
    user_id: str


def deliver(
    client: WebClient,
    dest: Destination,
    deltas: Iterable[str],
    *,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Send the streamed answer; returns the full text. An exception from `deltas` propagates
    once whatever was already shown is closed off, so the caller can apologise."""
    if dest.thread_ts:
        try:
            return _stream(client, dest, iter(deltas))
        except _StreamRefused as refused:
            log.info("streaming refused by Slack (%s); falling back to chat.update", refused.error)
            deltas = itertools.chain([refused.consumed], refused.rest)
    return _update(client, dest, deltas, clock)


class _StreamRefused(Exception):
    def __init__(self, error: str, consumed: str, rest: Iterator[str]) -> None:
        super().__init__(error)
        self.error, self.consumed, self.rest = error, consumed, rest


def _stream(client: WebClient, dest: Destination, deltas: Iterator[str]) -> str:
    text = ""
    stream: ChatStream | None = None
    in_message = 0
    try:
        for chunk in deltas:
            # Opened lazily: a model failure before the first token leaves no empty message.
            if stream is None or in_message + len(chunk) > MAX_MARKDOWN_CHARS:
                if stream is not None:
                    stream.stop()  # a streamed message holds 12,000 characters; go on in a new one
                stream = client.chat_stream(
                    channel=dest.channel,
                    thread_ts=dest.thread_ts,
                    recipient_team_id=dest.team_id,
                    recipient_user_id=dest.user_id,
                    buffer_size=STREAM_BUFFER_CHARS,
                )
                in_message = 0
            text += chunk
            in_message += len(chunk)
            stream.append(markdown_text=chunk)
    except SlackApiError as exc:
        if stream is not None and stream.ts is None and len(text) == in_message:
            raise _StreamRefused(str(exc.response.get("error")), text, deltas) from exc
        raise
    except BaseException:
        if stream is not None and stream.ts is not None:
            _close_quietly(stream)
        raise
    if stream is not None:
        stream.stop()
    return text


def _close_quietly(stream: ChatStream) -> None:
    try:
        stream.stop()
    except Exception:  # noqa: BLE001 - already failing; the caller reports the real error
        log.debug("could not stop stream", exc_info=True)


def _update(
    client: WebClient, dest: Destination, deltas: Iterable[str], clock: Callable[[], float]
) -> str:
    posted = client.chat_postMessage(
        channel=dest.channel, thread_ts=dest.thread_ts, text=PLACEHOLDER
    )
    ts = posted["ts"]
    text = ""
    last_update = clock()
    try:
        for delta in deltas:
            text += delta
            if clock() - last_update >= UPDATE_INTERVAL_S:
                _show(client, dest, ts, text, final=False)
                last_update = clock()
    except BaseException:
        if text:
            _show(client, dest, ts, text, final=True)
        else:
            client.chat_delete(channel=dest.channel, ts=ts)
        raise
    _show(client, dest, ts, text or "(no answer)", final=True)
    return text


def _show(client: WebClient, dest: Destination, ts: str, text: str, *, final: bool) -> None:
    pages = _pages(to_mrkdwn(text))
    notification = clip(to_mrkdwn(text), MAX_SECTION_CHARS)
    client.chat_update(
        channel=dest.channel,
        ts=ts,
        text=notification if final else notification + " …",
        blocks=pages[0],
    )
    if final:
        # Past 50 sections the answer goes on in more messages in the same place.
        for page in pages[1:]:
            client.chat_postMessage(
                channel=dest.channel, thread_ts=dest.thread_ts, text=notification, blocks=page
            )


def _pages(mrkdwn: str) -> list[list[dict]]:
    """Section blocks of at most 3,000 characters, at most 50 to a message."""
    sections = [
        {"type": "section", "text": {"type": "mrkdwn", "text": part}}
        for part in split_markdown(mrkdwn, MAX_SECTION_CHARS)
    ]
    return [sections[i : i + MAX_BLOCKS] for i in range(0, len(sections), MAX_BLOCKS)]


def post_text(client: WebClient, dest: Destination, text: str) -> None:
    client.chat_postMessage(channel=dest.channel, thread_ts=dest.thread_ts, text=text)
