"""Thinking steps: a streamed answer shows recall and each web search as Slack task cards
(`task_update` chunks in chat.startStream/appendStream/stopStream), each moving pending →
in_progress → complete, or error when the model fails; the pages the answer cited are the
search card's `url` sources. If Slack refuses the cards, the answer still arrives, once."""

from __future__ import annotations

import json

from bot.slack.notices import APOLOGY
from tests.story.test_lambda import deployment  # noqa: F401 - the Lambda deployment fixture
from tests.story.test_socket_mode import served_bot  # noqa: F401 - `bot serve` over a socket
from tests.support import slack_requests as sr

STREAM_METHODS = ("chat.startStream", "chat.appendStream", "chat.stopStream")
K8S_NEWS = ("https://kubernetes.io/blog/2025/04/23/kubernetes-v1-33-release/", "Kubernetes v1.33")
K8S_DOCS = ("https://kubernetes.io/docs/home/", "Kubernetes Documentation")
QUESTION_TS = "1700000900.000900"


def _stream_calls(fake_slack, since: int = 0) -> list[tuple[str, dict]]:
    """(method, params) of every streaming call from the `since`-th call on, as Slack got them."""
    return [(c.method, c.params) for c in fake_slack.calls[since:] if c.method in STREAM_METHODS]


def _cards(calls: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """(method, task_update chunk) in the order Slack received them."""
    found = []
    for method, params in calls:
        chunks = params.get("chunks") or []
        if isinstance(chunks, str):
            chunks = json.loads(chunks)
        found += [(method, c) for c in chunks if c["type"] == "task_update"]
    return found


def _text(calls: list[tuple[str, dict]]) -> str:
    return "".join(
        c["text"]
        for _, params in calls
        for c in params.get("chunks") or []
        if c["type"] == "markdown_text"
    )


def _remember_kubernetes(bot) -> int:
    """Kubernetes learned in a public channel; returns where the next answer's calls start."""
    bot.mention("U1", "our team runs Kubernetes", channel="C1")
    return len(bot.slack.calls)


def test_recall_and_a_web_search_stream_as_task_cards_as_slack_receives_them(bot):
    since = _remember_kubernetes(bot)
    bot.openai.reply_text = "Kubernetes 1.33 is out."
    bot.openai.search_finds(K8S_NEWS, K8S_DOCS, queries=["kubernetes 1.33 release"])
    bot.mention("U1", "what's new in my stack?", channel="C1", ts=QUESTION_TS)

    calls = _stream_calls(bot.slack, since)
    start = calls[0][1]
    assert calls[0][0] == "chat.startStream"
    assert start["task_display_mode"] == "timeline" and start["thread_ts"] == QUESTION_TS
    assert start["chunks"] == [
        {
            "type": "task_update",
            "id": "recall",
            "title": "Remembered 1 thing about you",
            "status": "complete",
            "details": "Kubernetes",
        }
    ]
    search_id = next(c["id"] for _, c in _cards(calls) if c["id"] != "recall")
    search = [(method, card) for method, card in _cards(calls) if card["id"] == search_id]
    searching = {"type": "task_update", "id": search_id, "title": "Searching the web"}
    done = {**searching, "title": "Web search: kubernetes 1.33 release", "status": "complete"}
    assert search == [
        ("chat.appendStream", {**searching, "status": "pending"}),
        ("chat.appendStream", {**searching, "status": "in_progress"}),
        ("chat.appendStream", done),
        (
            "chat.stopStream",
            {
                **done,
                "sources": [
                    {"type": "url", "url": K8S_NEWS[0], "text": K8S_NEWS[1]},
                    {"type": "url", "url": K8S_DOCS[0], "text": K8S_DOCS[1]},
                ],
            },
        ),
    ]
    # The cards came before the answer's first words, and the text is all there, once.
    first_text = next(i for i, (_, p) in enumerate(calls) if _text([("", p)]))
    assert first_text > 3
    (message,) = [m for m in bot.slack.messages("C1") if m.get("thread_ts") == QUESTION_TS]
    assert message["text"].startswith("Kubernetes 1.33 is out.")
    assert _text(calls) == message["text"]
    assert [card["status"] for card in message["tasks"].values()] == ["complete", "complete"]


def test_in_an_assistant_thread_the_cards_replace_the_searching_status(bot):
    bot.openai.search_finds(K8S_NEWS)
    bot.dm("U1", "what's new in Kubernetes?", thread_ts="1700000500.000001")
    statuses = [c.params["status"] for c in bot.slack.calls_to("assistant.threads.setStatus")]
    assert statuses == ["is thinking…"]  # not "is searching the web…": a card says so
    (message,) = bot.slack.messages("D1")
    assert list(message["tasks"].values())[-1]["title"].startswith("Web search: ")


def test_each_search_gets_its_card_and_the_cited_pages_go_on_the_last(bot):
    bot.openai.search_finds(K8S_NEWS, queries=["kubernetes release", "kubernetes 1.33 notes"])
    bot.mention("U1", "what's new in Kubernetes?", channel="C1", ts=QUESTION_TS)
    (message,) = bot.slack.messages("C1")
    recall, first, second = message["tasks"].values()
    assert recall["title"] == "Nothing remembered yet" and "details" not in recall
    assert (first["title"], first["status"]) == ("Web search: kubernetes release", "complete")
    assert "sources" not in first
    assert second["title"] == "Web search: kubernetes 1.33 notes"
    assert second["sources"] == [{"type": "url", "url": K8S_NEWS[0], "text": K8S_NEWS[1]}]


def test_a_model_that_fails_while_searching_leaves_the_search_card_in_error(bot):
    bot.openai.search_finds(K8S_NEWS)
    bot.openai.cut_stream(during_search=True, failed=True)
    bot.mention("U1", "what's new in Kubernetes?", channel="C1", ts=QUESTION_TS)
    (message,) = bot.slack.messages("C1")  # one message: the cards, then the apology
    assert message["text"] == APOLOGY
    recall, search = message["tasks"].values()
    assert recall["status"] == "complete"
    assert (search["title"], search["status"]) == ("Searching the web", "error")
    statuses = [c["status"] for _, c in _cards(_stream_calls(bot.slack)) if c["id"] == search["id"]]
    assert statuses == ["pending", "in_progress", "error"]
    assert bot.slack.calls_to("chat.postMessage") == []


def test_a_stream_that_ends_mid_search_ends_its_card_in_error_too(bot):
    bot.openai.search_finds(K8S_NEWS)
    bot.openai.cut_stream(during_search=True)
    bot.mention("U1", "what's new in Kubernetes?", channel="C1", ts=QUESTION_TS)
    (message,) = bot.slack.messages("C1")
    recall, search = message["tasks"].values()
    assert (recall["status"], search["status"]) == ("complete", "error")
    assert message["text"] == APOLOGY


def test_when_slack_refuses_task_cards_the_answer_arrives_as_text_once(bot):
    _remember_kubernetes(bot)
    bot.slack.reset()
    bot.slack.refuse_chunks("task_update")
    bot.openai.reply_text = "Kubernetes 1.33 is out."
    bot.openai.search_finds(K8S_NEWS)
    bot.mention("U1", "what's new in my stack?", channel="C1", ts=QUESTION_TS)

    (message,) = bot.slack.messages("C1")
    assert message["text"].startswith("Kubernetes 1.33 is out.")
    assert message["thread_ts"] == QUESTION_TS and "tasks" not in message
    assert "Tailored with:" in json.dumps(message["blocks"])  # the receipt still comes
    assert bot.slack.calls_to("chat.update")  # by the placeholder, as streaming refused


def test_a_card_refused_mid_answer_leaves_the_text_streaming(bot):
    bot.openai.reply_text = "Kubernetes 1.33 is out."
    bot.openai.search_finds(K8S_NEWS)
    bot.slack.fail_next("chat.appendStream", status=200, error="invalid_chunks")
    bot.mention("U1", "what's new in Kubernetes?", channel="C1", ts=QUESTION_TS)

    (message,) = bot.slack.messages("C1")
    assert message["text"].startswith("Kubernetes 1.33 is out.")
    calls = _stream_calls(bot.slack)
    refused = next(i for i, (m, _) in enumerate(calls) if m == "chat.appendStream")
    assert _cards(calls[refused + 1 :]) == []  # no more cards after the refusal
    assert bot.slack.calls_to("chat.update") == []


def test_cards_are_in_the_readers_language(bot):
    bot.slack.profiles["U1"] = {"locale": "ja-JP"}
    bot.openai.search_finds(K8S_NEWS, queries=["kubernetes"])
    bot.mention("U1", "what's new in Kubernetes?", channel="C1", ts=QUESTION_TS)
    (message,) = bot.slack.messages("C1")
    recall, search = message["tasks"].values()
    assert recall["title"] == "まだ何も覚えていません"
    assert search["title"] == "ウェブ検索: kubernetes"


def test_in_a_channel_the_recall_card_names_no_private_memory(bot):
    bot.dm("U1", "I love Rust")
    since = _remember_kubernetes(bot)
    bot.click(
        "private_in_channels_toggle",
        user="U1",
        selected_options=[{"value": "on"}],
        container="home",
    )
    bot.mention("U1", "what should I read?", channel="C2", ts=QUESTION_TS)
    (recall,) = [c for _, c in _cards(_stream_calls(bot.slack, since)) if c["id"] == "recall"]
    assert recall["title"] == "Remembered 1 thing about you"
    assert recall["details"] == "Kubernetes"


def test_through_the_lambda_handler_a_mention_streams_task_cards(
    deployment,  # noqa: F811
    fake_slack,
    fake_openai,
):
    fake_openai.search_finds(K8S_NEWS, queries=["kubernetes 1.33"])
    body = sr.event_body(
        sr.mention_event("U1", "what's new in Kubernetes?", team_id="T1", ts=QUESTION_TS),
        team_id="T1",
    )
    assert deployment.request(body)["statusCode"] == 200
    assert deployment.run_async_invokes() == 1
    (message,) = fake_slack.messages("C1")
    recall, search = message["tasks"].values()
    assert (recall["id"], recall["status"]) == ("recall", "complete")
    assert search["title"] == "Web search: kubernetes 1.33"
    assert search["sources"] == [{"type": "url", "url": K8S_NEWS[0], "text": K8S_NEWS[1]}]


def test_over_socket_mode_a_mention_streams_task_cards(served_bot, fake_slack, fake_openai):  # noqa: F811
    fake_openai.search_finds(K8S_NEWS, queries=["kubernetes 1.33"])
    event = sr.mention_event("U1", "what's new in Kubernetes?", team_id="T1", ts=QUESTION_TS)
    envelope = served_bot.send("events_api", json.loads(sr.event_body(event, team_id="T1")))
    served_bot.ack(envelope, timeout=60)
    (stop,) = fake_slack.wait_for("chat.stopStream", timeout=30)
    cards = {c["id"]: c for c in stop.params["chunks"] if c["type"] == "task_update"}
    (search,) = cards.values()  # recall needs no last word: it was complete from the start
    assert search["status"] == "complete" and search["sources"][0]["url"] == K8S_NEWS[0]
    (start,) = fake_slack.calls_to("chat.startStream")
    assert start.params["task_display_mode"] == "timeline"
