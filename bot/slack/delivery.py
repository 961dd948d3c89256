"""Delivering one answer into one Slack message as the model writes it, ending in exactly one
visible outcome: the whole answer, the partial answer marked as cut off, or an apology.

In a thread, the answer streams through Slack's chat.startStream/appendStream/stopStream
(slack_sdk's chat_stream). Streams must live in a thread, so a top-level DM gets a placeholder
that chat.update grows at a bounded rate instead; that is also the fallback whenever Slack
refuses to stream. A finished answer ends with its sources, an AI note and feedback buttons.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.chat_stream import ChatStream

from bot.conversation.answer_stream import AnswerStream, ModelError
from bot.i18n.catalogue import ENGLISH, Translator
from bot.jobs.deadlines import ANSWER_S, FINAL_WORD_S, Deadline
from bot.slack import answer_blocks
from bot.slack.deadline_client import DeadlineWebClient
from bot.slack.mrkdwn import (
    MAX_BLOCKS,
    MAX_MARKDOWN_CHARS,
    MAX_SECTION_CHARS,
    split_markdown,
    to_mrkdwn,
)
from bot.slack.urls import NO_UNFURLS
from bot.text import clip

log = logging.getLogger(__name__)

# The English wording, by the name it had before the catalogue (tests compare against it).
SEARCHING_PLACEHOLDER = ENGLISH("answer.searching")
CUT_MARK = " …"
UPDATE_INTERVAL_S = 1.0
STREAM_BUFFER_CHARS = 128

OK, CUT_OFF, MODEL_ERROR = "ok", "cut_off", "model_error"


@dataclass(frozen=True)
class Destination:
    channel: str
    thread_ts: str | None  # None: top level of a DM
    team_id: str
    user_id: str


@dataclass(frozen=True)
class Delivered:
    ts: str | None  # the message that ends the answer (with its feedback buttons)
    outcome: str  # OK, CUT_OFF (stream ended early) or MODEL_ERROR (the model failed)
    text: str  # the model's text as shown (Markdown); empty if it said nothing


def deliver(
    client: WebClient,
    dest: Destination,
    answer: AnswerStream,
    *,
    deadline: Deadline | None = None,
    on_status: Callable[[str], None] | None = None,
    on_shown: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    t: Translator = ENGLISH,
) -> Delivered:
    """Show `answer` in Slack and finish it with exactly one visible outcome. A model failure
    is shown (partial answer marked, or the apology), not raised; Slack errors propagate.
    `on_status` hears e.g. "is searching the web…" before the first words; `on_shown` is
    called once, as soon as Slack shows the first words (or the answer ends without any).
    What the bot says itself (placeholder, apology, sources, notes, buttons) is in `t`'s
    language."""
    slack = DeadlineWebClient(client, deadline or Deadline.after(ANSWER_S + FINAL_WORD_S))
    if on_status is not None:
        answer.on_status(on_status)
    shown = _Once(on_shown)
    deltas: Iterable[str] = answer
    try:
        if dest.thread_ts:
            try:
                return _stream(slack, dest, answer, t, shown)
            except _StreamRefused as refused:
                log.info(
                    "streaming refused by Slack (%s); falling back to chat.update", refused.error
                )
                deltas = itertools.chain([refused.consumed], refused.rest)
        return _update(slack, dest, answer, deltas, clock, t, shown)
    finally:
        shown()


class _Once:
    """A callback run at most once, whose failure never touches the answer."""

    def __init__(self, callback: Callable[[], None] | None) -> None:
        self._callback = callback

    def __call__(self) -> None:
        callback, self._callback = self._callback, None
        if callback is None:
            return
        try:
            callback()
        except Exception:  # noqa: BLE001 - what follows the answer must not spoil it
            log.warning("on_shown callback failed", exc_info=True)


class _StreamRefused(Exception):
    def __init__(self, error: str, consumed: str, rest: Iterator[str]) -> None:
        super().__init__(error)
        self.error, self.consumed, self.rest = error, consumed, rest


def _outcome(answer: AnswerStream, failed: bool) -> str:
    if failed:
        return MODEL_ERROR
    return OK if answer.completed else CUT_OFF


# --- in a thread: Slack's streaming API -----------------------------------------------------


def _stream(
    slack: WebClient,
    dest: Destination,
    answer: AnswerStream,
    t: Translator,
    shown: Callable[[], None],
) -> Delivered:
    deltas = iter(answer)
    text = ""
    stream: ChatStream | None = None
    in_message = 0
    failed = False
    try:
        try:
            for chunk in deltas:
                # Opened lazily: a model failure before the first token leaves no empty message.
                if stream is None or in_message + len(chunk) > MAX_MARKDOWN_CHARS:
                    if stream is not None:
                        stream.stop()  # a streamed message holds 12,000 characters; go on anew
                    stream = slack.chat_stream(
                        channel=dest.channel,
                        thread_ts=dest.thread_ts,
                        recipient_team_id=dest.team_id,
                        recipient_user_id=dest.user_id,
                        buffer_size=STREAM_BUFFER_CHARS,
                    )
                    in_message = 0
                text += chunk
                in_message += len(chunk)
                if stream.append(markdown_text=chunk) is not None:
                    shown()  # the buffer went out: Slack shows the first words
        except ModelError as exc:
            log.warning("model failed mid-answer: %s", exc)
            failed = True
        outcome = _outcome(answer, failed)
        if stream is None:
            return Delivered(_post(slack, dest, t("notice.apology")), outcome, "")
        ending = "" if outcome == OK else CUT_MARK
        blocks = answer_blocks.closing(answer.citations, cut_off=outcome != OK, t=t)
        _stop(stream, ending, blocks, answer, t)
        return Delivered(stream.ts, outcome, text)
    except SlackApiError as exc:
        # Nothing reached Slack yet (the first stream never started): update a message instead.
        if stream is not None and stream.ts is None and len(text) == in_message:
            raise _StreamRefused(str(exc.response.get("error")), text, deltas) from exc
        if stream is not None and stream.ts is not None:
            _close_quietly(stream)
        raise


def _stop(
    stream: ChatStream, ending: str, blocks: list[dict], answer: AnswerStream, t: Translator
) -> None:
    try:
        stream.stop(markdown_text=ending or None, blocks=blocks)
    except SlackApiError as exc:
        if exc.response.get("error") != "invalid_blocks":
            raise
        # The stream is still open with the ending in its buffer; stop it with plain buttons.
        fallback = answer_blocks.closing(answer.citations, cut_off=bool(ending), fallback=True, t=t)
        stream.stop(blocks=fallback)


def _close_quietly(stream: ChatStream) -> None:
    try:
        stream.stop()
    except Exception:  # noqa: BLE001 - already failing; the caller reports the real error
        log.debug("could not stop stream", exc_info=True)


def _post(slack: WebClient, dest: Destination, text: str) -> str:
    posted = slack.chat_postMessage(
        channel=dest.channel, thread_ts=dest.thread_ts, text=text, **NO_UNFURLS
    )
    return posted["ts"]


# --- top level of a DM (or streaming refused): a placeholder grown by chat.update ---------


def _update(
    slack: WebClient,
    dest: Destination,
    answer: AnswerStream,
    deltas: Iterable[str],
    clock: Callable[[], float],
    t: Translator,
    shown: Callable[[], None],
) -> Delivered:
    # The placeholder travels while the model request starts: the answer doesn't wait for
    # Slack's round trip, and the person sees the placeholder as soon as Slack has it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="placeholder") as background:
        placeholder = background.submit(_post, slack, dest, t("answer.thinking"))
        text = ""

        def searching(_status: str) -> None:
            if not text:
                slack.chat_update(
                    channel=dest.channel, ts=placeholder.result(), text=t("answer.searching")
                )

        answer.on_status(searching)
        failed = False
        last_update = clock()
        try:
            try:
                for delta in deltas:
                    text += delta
                    if clock() - last_update >= UPDATE_INTERVAL_S:
                        _show(slack, dest, placeholder.result(), text)
                        shown()
                        last_update = clock()
            except ModelError as exc:
                log.warning("model failed mid-answer: %s", exc)
                failed = True
            ts = placeholder.result()
        except BaseException:
            # Slack failed mid-answer: leave what was shown as the answer, or no placeholder.
            if placeholder.exception() is None:
                if text:
                    _show(slack, dest, placeholder.result(), text)
                else:
                    slack.chat_delete(channel=dest.channel, ts=placeholder.result())
            raise
    outcome = _outcome(answer, failed)
    if not text:
        slack.chat_update(channel=dest.channel, ts=ts, text=t("notice.apology"))
        return Delivered(ts, outcome, "")
    return Delivered(_finish(slack, dest, ts, text, outcome, answer, t), outcome, text)


def _show(slack: WebClient, dest: Destination, ts: str, text: str) -> None:
    """The answer so far, in the placeholder, marked as still coming."""
    mrkdwn = to_mrkdwn(text)
    slack.chat_update(
        channel=dest.channel,
        ts=ts,
        text=clip(mrkdwn, MAX_SECTION_CHARS) + CUT_MARK,
        blocks=_pages(mrkdwn)[0],
    )


def _finish(
    slack: WebClient,
    dest: Destination,
    ts: str,
    text: str,
    outcome: str,
    answer: AnswerStream,
    t: Translator,
) -> str:
    """The final answer: its first page replaces the placeholder, further pages (past 50
    sections) follow in the same place, the last one ending with the closing blocks.
    Returns the ts of that last message."""
    cut_off = outcome != OK
    mrkdwn = to_mrkdwn(text) + (CUT_MARK if cut_off else "")
    notification = clip(mrkdwn, MAX_SECTION_CHARS)
    if cut_off:
        notification += "\n" + t("answer.cut_off")
    pages = _pages(mrkdwn)
    closing = answer_blocks.closing(answer.citations, cut_off=cut_off, t=t)
    if len(pages[-1]) + len(closing) > MAX_BLOCKS:
        pages.append([])

    def send(number: int, blocks: list[dict]) -> str:
        if number == 0:
            slack.chat_update(channel=dest.channel, ts=ts, text=notification, blocks=blocks)
            return ts
        return _post_blocks(slack, dest, notification, blocks)

    for number, page in enumerate(pages[:-1]):
        send(number, page)
    try:
        return send(len(pages) - 1, pages[-1] + closing)
    except SlackApiError as exc:
        if exc.response.get("error") != "invalid_blocks":
            raise
        fallback = answer_blocks.closing(answer.citations, cut_off=cut_off, fallback=True, t=t)
        return send(len(pages) - 1, pages[-1] + fallback)


def _post_blocks(slack: WebClient, dest: Destination, text: str, blocks: list[dict]) -> str:
    posted = slack.chat_postMessage(
        channel=dest.channel, thread_ts=dest.thread_ts, text=text, blocks=blocks, **NO_UNFURLS
    )
    return posted["ts"]


def _pages(mrkdwn: str) -> list[list[dict]]:
    """Section blocks of at most 3,000 characters, at most 50 to a message."""
    sections = [
        {"type": "section", "text": {"type": "mrkdwn", "text": part}}
        for part in split_markdown(mrkdwn, MAX_SECTION_CHARS)
    ]
    return [sections[i : i + MAX_BLOCKS] for i in range(0, len(sections), MAX_BLOCKS)]


def post_text(client: WebClient, dest: Destination, text: str) -> None:
    client.chat_postMessage(channel=dest.channel, thread_ts=dest.thread_ts, text=text, **NO_UNFURLS)
