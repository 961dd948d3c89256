"""The memory editor speaks the language it was opened in, even in the errors Slack takes from
the ack; a forged or unknown language reads English."""

from __future__ import annotations

import json

import pytest

from bot.i18n.catalogue import ENGLISH, translator
from bot.slack import memory_views

JA = translator("ja-JP")


def _submitted(opened: dict, **values: str) -> dict:
    return {
        "private_metadata": opened["private_metadata"],
        "state": {"values": {k: {"value": {"value": v}} for k, v in values.items()}},
    }


def test_errors_are_in_the_language_the_editor_was_opened_in():
    opened = memory_views.editor(None, t=JA)
    assert opened["title"]["text"] == JA("editor.title_add")
    fields, errors = memory_views.read_editor(_submitted(opened, topic="", interest_level="x"))
    assert errors == {
        "topic": JA("editor.error_topic_missing"),
        "interest_level": JA("editor.error_level"),
    }
    assert fields["key"] == "" and fields["from_home"] is False


@pytest.mark.parametrize("metadata", ['{"locale": "../../etc"}', '{"locale": 7}', "not json", ""])
def test_a_forged_or_missing_language_reads_english(metadata):
    view = {"private_metadata": metadata, "state": {"values": {}}}
    _, errors = memory_views.read_editor(view)
    assert errors == {"topic": ENGLISH("editor.error_topic_missing")}


def test_the_editor_keeps_its_key_and_origin_beside_the_language():
    opened = memory_views.editor(None, from_home=True, t=JA)
    assert json.loads(opened["private_metadata"]) == {
        "key": "",
        "from_home": True,
        "locale": "ja-JP",
    }
