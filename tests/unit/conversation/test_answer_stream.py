"""What an answer's stream says about how it went: text, sources, usage, or why it was cut."""

from __future__ import annotations

import pytest

from bot.conversation.answer_stream import AnswerStream, ModelError
from bot.jobs.deadlines import Deadline


def test_a_completed_answer_carries_its_sources_and_usage(conversation, fake_openai):
    fake_openai.search_finds(("https://kubernetes.io/docs", "Kubernetes docs"))
    stream = conversation.answer("what's new in kubernetes?", [])
    assert isinstance(stream, AnswerStream)
    text = "".join(stream)
    assert text == stream.text and text
    assert stream.completed and stream.cut_off is None
    assert [c.url for c in stream.citations] == ["https://kubernetes.io/docs"]
    assert stream.web_searches == 1
    assert stream.usage is not None and stream.usage.output_tokens > 0
    assert stream.first_token_s is not None


def test_a_stream_that_just_ends_is_marked_cut_off_with_what_arrived(conversation, fake_openai):
    fake_openai.cut_stream(after_chars=10)
    stream = conversation.answer("tell me about rust", [])
    text = "".join(stream)
    assert not stream.completed
    assert stream.cut_off == "stream ended"
    assert 0 < len(text) <= 10


def test_a_model_error_is_raised_as_one_the_reply_can_apologise_for(conversation, fake_openai):
    fake_openai.fail_next("responses", status=400)
    with pytest.raises(ModelError):
        "".join(conversation.answer("hello", []))


def test_past_the_deadline_the_model_is_not_even_asked(conversation, fake_openai):
    stream = conversation.answer("hello", [], deadline=Deadline.after(-1))
    with pytest.raises(ModelError):
        "".join(stream)
    assert fake_openai.bodies("responses") == []
