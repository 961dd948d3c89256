"""What an answer's stream says about its web searches, as the Responses API streams them."""

from __future__ import annotations

import pytest

from bot.conversation.answer_stream import ModelError, WebSearch


def _heard(stream) -> list[WebSearch]:
    heard: list[WebSearch] = []
    stream.on_search(heard.append)
    return heard


def test_a_search_is_heard_queued_running_and_done_with_its_query(conversation, fake_openai):
    fake_openai.search_finds(("https://kubernetes.io/", "Kubernetes"), queries=["k8s 1.33"])
    stream = conversation.answer("what's new in kubernetes?", [])
    heard = _heard(stream)
    texts_before: list[int] = []
    stream.on_search(lambda _: texts_before.append(len(stream.text)))
    "".join(stream)
    assert len({s.id for s in heard}) == 1
    assert [(s.status, s.query) for s in heard] == [
        ("in_progress", None),
        ("searching", None),
        ("completed", "k8s 1.33"),
    ]
    assert texts_before == [0, 0, 0]  # all before the first words
    assert stream.searches == [heard[-1]] and stream.web_searches == 1


def test_each_of_several_searches_is_told_apart(conversation, fake_openai):
    fake_openai.search_finds(("https://a.example/", "A"), queries=["first", "second"])
    stream = conversation.answer("compare two things", [])
    "".join(stream)
    assert [(s.status, s.query) for s in stream.searches] == [
        ("completed", "first"),
        ("completed", "second"),
    ]
    assert len({s.id for s in stream.searches}) == 2


def test_a_search_cut_short_stays_unfinished(conversation, fake_openai):
    fake_openai.search_finds(("https://a.example/", "A"))
    fake_openai.cut_stream(during_search=True, failed=True)
    stream = conversation.answer("what's new?", [])
    with pytest.raises(ModelError):
        "".join(stream)
    (search,) = stream.searches
    assert (search.status, search.query) == ("searching", None)


def test_a_listener_that_fails_does_not_stop_the_answer(conversation, fake_openai):
    fake_openai.search_finds(("https://a.example/", "A"))
    stream = conversation.answer("what's new?", [])

    def broken(_search: WebSearch) -> None:
        raise RuntimeError("boom")

    stream.on_search(broken)
    assert "".join(stream) and stream.completed
