"""The digest's Block Kit and the commands and clicks that reach it, on the ack path."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

import pytest

from bot.conversation.answer_stream import Citation
from bot.conversation.digest import Digest, DigestItem
from bot.i18n.catalogue import ENGLISH, translator
from bot.memory.schema import Memory
from bot.slack import digest_views
from tests.support import slack_requests as sr
from tests.unit.slack.test_listeners import _Listening

RUST = Memory("k-rust", "Rust", None, 80, None)
EVIL = Memory("k-evil", "<!channel> *bold*", None, 80, None)


def _digest(*items: DigestItem, cut_off: bool = False) -> Digest:
    interests = tuple(i.interest for i in items if i.interest)
    return Digest(items, interests, "gpt-test", 10, cut_off)


@pytest.mark.parametrize(
    ("text", "frequency"),
    [
        ("digest daily", "daily"),
        ("digest weekly", "weekly"),
        ("digest off", "off"),
        ("digest", None),
        ("digest hourly", None),
        ("digest daily please", None),
    ],
)
def test_the_command_names_a_frequency_or_nothing(text, frequency):
    assert digest_views.is_digest_command(text)
    assert digest_views.parse_command(text) == frequency


def test_a_digest_command_is_acked_at_once_and_handed_over(settings, fake_slack):
    listening = _Listening(settings, fake_slack)
    response = listening.command("/interests", "Digest Weekly")
    assert response.status == 200 and not response.body
    (job,) = listening.jobs
    assert (job["kind"], job["frequency"], job["user_id"]) == ("set_digest", "weekly", "U1")
    assert job["response_url"]
    listening.command("/interests", "digest sometimes")
    assert listening.jobs[-1]["frequency"] is None  # the worker answers with the choices
    assert fake_slack.calls == []  # the ack path called nothing


def test_the_home_choice_and_the_buttons_become_jobs_for_the_clicker(settings, fake_slack):
    listening = _Listening(settings, fake_slack)
    choice = sr.action_body(
        digest_views.DIGEST_CHOICE, user="U1", team_id="T1", response_url=None, container="home"
    )
    payload = json.loads(parse_qs(choice)["payload"][0])
    payload["actions"][0]["selected_option"] = {"value": "daily"}
    listening.send(urlencode({"payload": json.dumps(payload)}), form=True)
    less = sr.action_body(
        digest_views.DIGEST_LESS, user="U2", team_id="T1", response_url=None, value="k-rust"
    )
    listening.send(less, form=True)
    stop = sr.action_body(
        digest_views.DIGEST_STOP, user="U3", team_id="T1", response_url=None, value="off"
    )
    listening.send(stop, form=True)
    forged = sr.action_body(
        digest_views.DIGEST_STOP, user="U3", team_id="T1", response_url=None, value="hourly"
    )
    listening.send(forged, form=True)
    jobs = [(j["kind"], j["user_id"], j.get("frequency") or j.get("key")) for j in listening.jobs]
    assert jobs == [
        ("set_digest", "U1", "daily"),
        ("digest_less", "U2", "k-rust"),
        ("set_digest", "U3", "off"),
    ]
    assert listening.jobs[0]["from_home"] is True


def test_a_digest_has_an_item_per_interest_with_its_sources_and_the_buttons():
    cited = Citation("https://blog.rust-lang.org/x", "Rust 1.95", 0, 5)
    text, blocks = digest_views.message(
        _digest(DigestItem("**Rust** 1.95 is out.", RUST, (cited, cited))), "daily", ENGLISH
    )
    assert text == "Your tech digest: Rust"
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Your daily tech digest", "emoji": True},
    }
    item = blocks[2]
    assert item["text"]["text"] == "*Rust* 1.95 is out."
    assert item["accessory"]["action_id"] == digest_views.DIGEST_LESS
    assert item["accessory"]["value"] == "k-rust"
    assert blocks[3]["elements"][0]["text"] == "Source: <https://blog.rust-lang.org/x|Rust 1.95>"
    assert blocks[-2]["elements"][0]["action_id"] == digest_views.DIGEST_STOP
    assert blocks[-1]["type"] == "context_actions"
    _, fallback = digest_views.message_with_fallback_feedback(
        _digest(DigestItem("x", RUST)), "daily", ENGLISH
    )
    assert fallback[-1]["type"] == "actions"


def test_topics_are_shown_as_text_never_as_markup():
    text, blocks = digest_views.message(_digest(DigestItem("news", EVIL)), "weekly", ENGLISH)
    about = blocks[1]["elements"][0]["text"]
    assert "<!channel>" not in about and "&lt;!channel&gt;" in about


def test_a_long_digest_stays_within_slacks_block_limit():
    items = [DigestItem(f"**Rust** item {n}", RUST) for n in range(40)]
    _, blocks = digest_views.message(_digest(*items), "daily", ENGLISH)
    assert len(blocks) <= 50


def test_the_answer_to_a_choice_says_what_and_when_in_the_persons_language():
    english = digest_views.chosen(
        "daily",
        ENGLISH,
        tz="Europe/Berlin",
        topics=["Rust", "Go"],
        first_soon=True,
        learning_enabled=True,
    )
    assert english.startswith("Done. Every day after 09:00 your time (Europe/Berlin)")
    assert "about Rust, Go" in english and "within the hour" in english
    japanese = digest_views.chosen(
        "weekly",
        translator("ja-JP"),
        tz="Asia/Tokyo",
        topics=[],
        first_soon=False,
        learning_enabled=False,
    )
    assert "毎週月曜日" in japanese and "来週の月曜日" in japanese and "学習がオフ" in japanese
    assert digest_views.chosen(
        "off", ENGLISH, tz="UTC", topics=[], first_soon=True, learning_enabled=True
    ).startswith("Okay, no more digests")


def test_the_home_tab_choice_shows_the_current_frequency():
    blocks = digest_views.home_blocks("weekly", translator("ja"))
    (choice,) = blocks[1]["elements"]
    assert choice["type"] == "radio_buttons"
    assert choice["initial_option"]["value"] == "weekly"
    assert [o["text"]["text"] for o in choice["options"]] == ["オフ", "毎日", "毎週"]
