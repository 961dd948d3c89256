"""Delivering one answer into one Slack message as the model writes it, ending in exactly one
visible outcome: the whole answer, the partial answer marked as cut off, or an apology.

In a thread, the answer streams through Slack's chat.startStream/appendStream/stopStream
(slack_sdk's chat_stream), its thinking steps shown as task cards (bot/slack/task_cards.py).
Streams must live in a thread, so a top-level DM gets a placeholder that chat.update grows at a
bounded rate instead; that is also the fallback whenever Slack refuses to stream. If Slack
refuses only the task cards, the text streams without them. A finished answer ends with its
sources, its receipt (bot/slack/receipts.py), an AI note and feedback buttons; private memories
a shared conversation's answer used are then named to the asker alone.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.messages.chunk import Chunk
from slack_sdk.web.chat_stream import ChatStream

from bot.conversation.answer_stream import AnswerStream, ModelError, WebSearch
from bot.i18n.catalogue import ENGLISH, Translator
from bot.jobs.deadlines import ANSWER_S, FINAL_WORD_S, Deadline
from bot.slack import answer_blocks, task_cards
from bot.slack.deadline_client import DeadlineWebClient
from bot.slack.mrkdwn import (
    MAX_BLOCKS,
    MAX_MARKDOWN_CHARS,
    MAX_SECTION_CHARS,
    split_markdown,
    to_mrkdwn,
)
from bot.slack.receipts import Receipt
from bot.slack.task_cards import TaskCards
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
    receipt: Receipt | None = None,
    on_shown: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    t: Translator = ENGLISH,
) -> Delivered:
    """Show `answer` in Slack and finish it with exactly one visible outcome. A model failure
    is shown (partial answer marked, or the apology), not raised; Slack errors propagate.
    `on_status` hears e.g. "is searching the web…" before the first words, unless task cards
    show that; `receipt` says what the answer was made from; `on_shown` is called once, as
    soon as Slack shows the first words (or the answer ends without any). What the bot says
    itself (placeholder, apology, sources, notes, buttons) is in `t`'s language."""
    slack = DeadlineWebClient(client, deadline or Deadline.after(ANSWER_S + FINAL_WORD_S))
    cards = TaskCards(receipt) if receipt is not None and dest.thread_ts else None
    if on_status is not None and cards is None:
        answer.on_status(on_status)
    made_from = receipt.blocks() if receipt is not None else []
    shown = _Once(on_shown)
    delivered = None
    deltas: Iterable[str] = answer
    try:
        if dest.thread_ts:
            try:
                delivered = _stream(slack, dest, answer, cards, made_from, t, shown)
            except _StreamRefused as refused:
                log.info(
                    "streaming refused by Slack (%s); falling back to chat.update", refused.error
                )
                deltas = itertools.chain([refused.consumed], refused.rest)
        if delivered is None:
            delivered = _update(slack, dest, answer, deltas, clock, made_from, t, shown)
    finally:
        shown()
    if receipt is not None and delivered.text:
        _tell_asker(slack, dest, receipt)
    return delivered


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


class _Thread:
    """One answer streamed into its thread: messages of at most 12,000 characters, the task
    cards in the first. Used from one thread, but for the opening, which runs beside the
    model's request: every other step waits for it first."""

    def __init__(
        self,
        slack: WebClient,
        dest: Destination,
        cards: TaskCards | None,
        shown: Callable[[], None],
    ) -> None:
        self._slack = slack
        self._dest = dest
        self._shown = shown
        self.cards = cards
        self.stream: ChatStream | None = None
        self.text = ""
        self.in_message = 0  # characters of text in the current message
        self._earlier_shown = False  # a message before the current one reached Slack
        self._opening: Future | None = None
        self._refused: SlackApiError | None = None

    @property
    def shown(self) -> bool:
        """Whether anything of the answer has reached Slack."""
        return self._earlier_shown or (self.stream is not None and self.stream.ts is not None)

    def open_with(self, cards: list[Chunk], background: ThreadPoolExecutor) -> None:
        """Start the stream with the cards known before the model answers, in the background
        so that the model's request need not wait for Slack."""
        if cards:
            self.stream = self._open(with_cards=True)
            self._opening = background.submit(self.stream.append, chunks=cards)

    def settle(self) -> None:
        """Wait for the opening. Slack refusing it (a workspace without thinking steps, or no
        streaming at all) leaves nothing shown: the next text raises the refusal, so that the
        answer can still arrive by chat.update."""
        opening, self._opening = self._opening, None
        if opening is None:
            return
        try:
            opening.result()
        except SlackApiError as exc:
            log.info("streaming with task cards refused (%s)", exc.response.get("error"))
            self.stream, self.cards, self._refused = None, None, exc

    def show(self, chunks: list[Chunk]) -> None:
        """Cards as the answer goes, opening the stream if need be. Slack refusing them now
        turns them off; the text goes on without."""
        self.settle()
        if self.cards is None or not chunks:
            return
        if self.stream is None:
            self.stream = self._open(with_cards=True)
        try:
            self.stream.append(chunks=chunks)
        except SlackApiError as exc:
            log.info("task cards refused by Slack (%s); text only", exc.response.get("error"))
            self.cards = None
            if self.stream.ts is None:  # nothing was shown: the text opens its own stream
                self.stream = None

    def add(self, chunk: str, answer: AnswerStream) -> None:
        self.settle()
        self.text += chunk
        if self._refused is not None:
            raise self._refused
        if self.stream is not None and self.in_message + len(chunk) > MAX_MARKDOWN_CHARS:
            # A streamed message holds 12,000 characters; the cards end with the first.
            self.stop("", answer)
            self._earlier_shown, self.stream, self.cards = True, None, None
        if self.stream is None:
            self.stream = self._open(with_cards=False)
            self.in_message = 0
        self.in_message += len(chunk)
        if self.stream.append(markdown_text=chunk) is not None:
            self._shown()  # the buffer went out: Slack shows the first words

    def stop(
        self,
        ending: str,
        answer: AnswerStream,
        blocks: list[dict] | None = None,
        fallback: list[dict] | None = None,
    ) -> None:
        """Flush the rest of the text and `ending` with the cards' last word and `blocks`. If
        Slack refuses the blocks (a surface without feedback buttons) `fallback` stands in; if
        it refuses the cards, they are left out."""
        assert self.stream is not None
        cards = self.cards.closing(answer.searches, answer.citations) if self.cards else []
        markdown = ending or None
        while True:
            try:
                self.stream.stop(markdown_text=markdown, chunks=cards or None, blocks=blocks)
                return
            except SlackApiError as exc:
                error = exc.response.get("error")
                if error == "invalid_blocks" and fallback is not None and blocks is not fallback:
                    blocks = fallback
                elif cards:
                    log.info("task cards refused by Slack (%s); text only", error)
                    cards = []
                else:
                    raise
            markdown = None  # the stream is still open, with the ending in its buffer

    def _open(self, *, with_cards: bool) -> ChatStream:
        return self._slack.chat_stream(
            channel=self._dest.channel,
            thread_ts=self._dest.thread_ts,
            recipient_team_id=self._dest.team_id,
            recipient_user_id=self._dest.user_id,
            buffer_size=STREAM_BUFFER_CHARS,
            task_display_mode=task_cards.DISPLAY_MODE if with_cards else None,
        )


def _stream(
    slack: WebClient,
    dest: Destination,
    answer: AnswerStream,
    cards: TaskCards | None,
    made_from: list[dict],
    t: Translator,
    shown: Callable[[], None],
) -> Delivered:
    thread = _Thread(slack, dest, cards, shown)
    deltas = iter(answer)
    failed = False
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-open") as background:
        try:
            if cards is not None:
                thread.open_with(cards.opening(), background)

                def searching(search: WebSearch) -> None:
                    if thread.cards is not None:
                        thread.show([thread.cards.search(search)])

                answer.on_search(searching)
            try:
                for chunk in deltas:
                    thread.add(chunk, answer)
            except ModelError as exc:
                log.warning("model failed mid-answer: %s", exc)
                failed = True
            thread.settle()
            return _end(slack, dest, answer, thread, _outcome(answer, failed), made_from, t)
        except SlackApiError as exc:
            thread.cards = None  # whatever happens next, no card opens a stream of its own
            if not thread.shown:  # nothing reached Slack: update a message instead
                raise _StreamRefused(str(exc.response.get("error")), thread.text, deltas) from exc
            if thread.stream is not None and thread.stream.ts is not None:
                _close_quietly(thread.stream)
            raise


def _end(
    slack: WebClient,
    dest: Destination,
    answer: AnswerStream,
    thread: _Thread,
    outcome: str,
    made_from: list[dict],
    t: Translator,
) -> Delivered:
    if thread.stream is None:
        return Delivered(_post(slack, dest, t("notice.apology")), outcome, "")
    if not thread.text:  # only the cards were shown: the apology ends their message
        thread.stop(t("notice.apology"), answer)
        return Delivered(thread.stream.ts, outcome, "")
    cut_off = outcome != OK
    thread.stop(
        CUT_MARK if cut_off else "",
        answer,
        answer_blocks.closing(answer.citations, cut_off=cut_off, t=t, receipt=made_from),
        answer_blocks.closing(
            answer.citations, cut_off=cut_off, fallback=True, t=t, receipt=made_from
        ),
    )
    return Delivered(thread.stream.ts, outcome, thread.text)


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
    made_from: list[dict],
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
    return Delivered(_finish(slack, dest, ts, text, outcome, answer, made_from, t), outcome, text)


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
    made_from: list[dict],
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
    closing = answer_blocks.closing(answer.citations, cut_off=cut_off, t=t, receipt=made_from)
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
        fallback = answer_blocks.closing(
            answer.citations, cut_off=cut_off, fallback=True, t=t, receipt=made_from
        )
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


def _tell_asker(slack: WebClient, dest: Destination, receipt: Receipt) -> None:
    """The private memories a shared conversation's answer used, for the asker's eyes only."""
    told = receipt.private_message()
    if told is None:
        return
    text, blocks = told
    try:
        slack.chat_postEphemeral(
            channel=dest.channel,
            user=dest.user_id,
            thread_ts=dest.thread_ts,
            text=text,
            blocks=blocks,
        )
    except SlackApiError as exc:  # the answer is out; only its footnote is lost
        log.warning("could not tell the asker privately: %s", exc.response.get("error"))


def post_text(client: WebClient, dest: Destination, text: str) -> None:
    client.chat_postMessage(channel=dest.channel, thread_ts=dest.thread_ts, text=text, **NO_UNFURLS)
