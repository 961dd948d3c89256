"""Every language says everything English says, with the same placeholders; Slack's locale
picks the language, and anything without a catalogue reads English."""

from __future__ import annotations

import pkgutil
import string

import pytest
from slack_sdk import WebClient

import bot.i18n
from bot.i18n import en
from bot.i18n.catalogue import ENGLISH, language_of, translator
from bot.slack.profiles import Profiles

LANGUAGES = sorted(m.name for m in pkgutil.iter_modules(bot.i18n.__path__) if len(m.name) == 2)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_japanese_is_one_of_the_catalogues():
    assert {"en", "ja"} <= set(LANGUAGES)


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_catalogue_is_complete_with_the_same_placeholders(code):
    messages = __import__(f"bot.i18n.{code}", fromlist=["MESSAGES"]).MESSAGES
    assert set(messages) == set(en.MESSAGES), "missing or extra keys"
    for key, text in messages.items():
        assert _fields(text) == _fields(en.MESSAGES[key]), key
        assert text.strip(), key


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("ja-JP", "ja"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr-FR", "en"),
        ("", "en"),
        (None, "en"),
        ("../../etc", "en"),
        ("JA-jp", "ja"),
    ],
)
def test_a_slack_locale_picks_its_language_or_english(locale, language):
    assert language_of(locale) == language


def test_a_japanese_reader_reads_japanese_and_others_english():
    assert translator("ja-JP")("interests.empty") != ENGLISH("interests.empty")
    assert translator("de-DE")("interests.empty") == ENGLISH("interests.empty")


def test_profiles_ask_slack_for_the_locale_once_and_fall_back_to_english(fake_slack):
    fake_slack.profiles["U1"] = {"locale": "ja-JP", "tz": "Asia/Tokyo", "tz_offset": 32400}
    profiles = Profiles(WebClient(token="xoxb-test-token", base_url=fake_slack.base_url))
    first = profiles.of("U1")
    assert (first.locale, first.tz, first.tz_offset_s) == ("ja-JP", "Asia/Tokyo", 32400)
    assert first.t.language == "ja"
    assert profiles.of("U1") == first
    (call,) = fake_slack.calls_to("users.info")
    assert call.params["include_locale"] in ("true", "1", True)

    fake_slack.fail_next("users.info", status=200, error="user_not_found")
    assert profiles.of("U2").t.language == "en"
