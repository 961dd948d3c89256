"""The receipt's rules: who reads which memory, which places are linked, what a choice says."""

from __future__ import annotations

import json

from bot.i18n.catalogue import ENGLISH, translator
from bot.memory.schema import ConversationKind, Memory, Source
from bot.slack.receipts import MAX_NAMED, asker_of, parse_choice, place_link, receipt_for

DM, PUBLIC = ConversationKind.DM, ConversationKind.PUBLIC_CHANNEL


def _memory(topic: str, *sources: Source, private: bool | None = None) -> Memory:
    if private is None:
        private = any(s.kind.is_private for s in sources) or not sources
    return Memory(topic.lower(), topic, None, None, None, private=private, sources=sources)


def _source(kind: ConversationKind, channel: str) -> Source:
    return Source(kind, channel, "1.2", f"https://fake.slack.com/archives/{channel}/p12")


RUST = _memory("Rust", _source(DM, "D1"))
K8S = _memory("Kubernetes", _source(PUBLIC, "C1"))
ELIXIR = _memory("Elixir", _source(ConversationKind.PRIVATE_CHANNEL, "G1"))
HOME = _memory("Go", Source(ConversationKind.HOME))


def test_in_a_dm_every_memory_is_named_and_none_told_aside():
    receipt = receipt_for([RUST, K8S], where=DM, channel="D1", asker="U1", t=ENGLISH)
    assert receipt.named == (RUST, K8S) and receipt.private_message() is None


def test_in_a_channel_private_memories_are_told_to_the_asker_alone():
    for where in (PUBLIC, ConversationKind.PRIVATE_CHANNEL, ConversationKind.GROUP_DM):
        receipt = receipt_for([RUST, K8S, ELIXIR], where=where, channel="C2", asker="U1", t=ENGLISH)
        assert receipt.named == (K8S,)
        assert receipt.told_privately == (RUST, ELIXIR)
        assert "Rust" not in json.dumps(receipt.blocks())
        text, blocks = receipt.private_message()
        assert text.endswith("Rust · Elixir") and "Rust" in json.dumps(blocks)


def test_a_place_is_linked_only_where_its_readers_can_open_it():
    assert place_link(K8S, "C9") == "https://fake.slack.com/archives/C1/p12"  # public: anywhere
    assert place_link(RUST, "D1") is not None and place_link(RUST, "C1") is None
    assert place_link(ELIXIR, "G1") is not None and place_link(ELIXIR, "D1") is None
    assert place_link(HOME, "D1") is None  # added by hand: no place


def test_the_latest_place_the_reader_can_open_is_the_one_linked():
    both = _memory("Rust", _source(PUBLIC, "C1"), _source(DM, "D1"))
    assert place_link(both, "D1").endswith("/D1/p12")
    assert place_link(both, "C7").endswith("/C1/p12")


def test_past_ten_memories_the_rest_are_counted_and_left_off_the_menu():
    many = [_memory(f"Topic{i}", _source(PUBLIC, "C1")) for i in range(MAX_NAMED + 3)]
    line, menu = receipt_for(many, where=DM, channel="D1", asker="U1", t=ENGLISH).blocks()
    assert line["elements"][0]["text"].endswith(" · and 3 more")
    assert len(menu["elements"][0]["option_groups"]) == MAX_NAMED


def test_topics_are_escaped_and_long_ones_clipped():
    odd = _memory("<b>C&C</b> " + "x" * 200)
    (line, menu) = receipt_for([odd], where=DM, channel="D1", asker="U1", t=ENGLISH).blocks()
    text = line["elements"][0]["text"]
    assert "&lt;b&gt;C&amp;C&lt;/b&gt;" in text and "<b>" not in text
    assert len(menu["elements"][0]["option_groups"][0]["label"]["text"]) <= 75


def test_unread_files_are_a_line_of_their_own():
    receipt = receipt_for([], where=DM, channel="D1", asker="U1", t=ENGLISH, files_note="Skipped.")
    assert receipt.blocks() == [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": ":paperclip: Skipped."}]}
    ]
    assert receipt_for([], where=DM, channel="D1", asker="U1", t=ENGLISH).blocks() == []


def test_the_receipt_speaks_the_askers_language():
    line, _ = receipt_for([K8S], where=DM, channel="D1", asker="U1", t=translator("ja-JP")).blocks()
    assert "この回答に使った記憶" in line["elements"][0]["text"]


def test_choices_and_askers_are_read_back_or_refused():
    assert parse_choice("forget:abc") == ("forget", "abc")
    assert parse_choice("not_here:abc") == ("not_here", "abc")
    for bad in (None, "", "forget:", "delete:abc", 42, ["forget:abc"]):
        assert parse_choice(bad) is None
    assert asker_of("receipt_for:U1") == "U1"
    assert asker_of("receipt_for:") is None and asker_of("b1") is None and asker_of(None) is None
