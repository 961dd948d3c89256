"""Every language says everything English says, with the same placeholders; Slack's locale
picks the language, and anything without a catalogue reads English."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
import sys
import types

import pytest
from slack_sdk import WebClient

import bot.i18n
from bot.i18n import catalogue, en
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


# --- what a translation must keep, and must change -------------------------------------------

TRANSLATIONS = [code for code in LANGUAGES if code != "en"]
_EMOJI = re.compile(r":[a-z0-9_+-]+:")
_COMMAND = re.compile(r"(?<![\w/])/(?:interests|forget)\b")


def _catalogue(code: str):
    return importlib.import_module(f"bot.i18n.{code}")


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_no_english_is_left_untranslated_by_mistake(code):
    catalogue = _catalogue(code)
    same_on_purpose = getattr(catalogue, "SAME_AS_ENGLISH", frozenset())
    untranslated = {
        key
        for key, text in catalogue.MESSAGES.items()
        if text == en.MESSAGES[key] and key not in same_on_purpose
    }
    assert untranslated == set()
    assert same_on_purpose <= set(en.MESSAGES), "SAME_AS_ENGLISH names keys that don't exist"


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_translations_keep_slack_markup_emoji_and_commands(code):
    for key, text in _catalogue(code).MESSAGES.items():
        english = en.MESSAGES[key]
        assert sorted(_EMOJI.findall(text)) == sorted(_EMOJI.findall(english)), key
        assert sorted(_COMMAND.findall(text)) == sorted(_COMMAND.findall(english)), key
        for mark in ("*", "`", "\n"):
            assert text.count(mark) == english.count(mark), (key, mark)


_POLITE = re.compile(r"(です|ます|ました|ません|でした|ください|ですか|ますか|こんにちは)$")


def test_japanese_sentences_are_polite():
    """Every sentence ends in です/ます (or ください), once a trailing (aside) or list is off."""
    from bot.i18n import ja

    impolite = []
    for key, text in ja.MESSAGES.items():
        if key.startswith("assistant.prompt"):  # what the person asks the bot, in their voice
            continue
        for sentence in re.findall(r"([^。！？\n]+)[。！？]", text):
            core = re.sub(r"(\s*\([^()]*\)|:\s*\{\w+\})$", "", sentence.strip())
            if not _POLITE.search(core):
                impolite.append((key, sentence))
    assert impolite == []


def test_plurals_pick_one_or_other_and_fill_in_the_count():
    assert ENGLISH.plural("export.sent", 1) == "I sent you a DM with 1 memory as a JSON file."
    assert ENGLISH.plural("export.sent", 3) == "I sent you a DM with 3 memories as a JSON file."
    japanese = translator("ja-JP")
    assert japanese.plural("export.sent", 3) == (
        "3 件の記憶を JSON ファイルにして DM でお送りしました。"
    )


def test_quotes_and_lists_follow_the_language():
    japanese = translator("ja")
    assert japanese.listing([japanese.quoted("Rust"), japanese.quoted("Go")]) == "「Rust」、「Go」"
    assert ENGLISH.listing([ENGLISH.quoted("Rust"), ENGLISH.quoted("Go")]) == "“Rust”, “Go”"


def test_a_third_language_is_one_module_and_a_partial_one_still_reads(monkeypatch):
    french = types.ModuleType("bot.i18n.fr")
    french.MESSAGES = {"interests.empty": "Je ne me souviens encore de rien à votre sujet."}
    monkeypatch.setitem(sys.modules, "bot.i18n.fr", french)
    catalogue._messages.cache_clear()
    try:
        t = translator("fr-FR")
        assert t.language == "fr"
        assert t("interests.empty") == french.MESSAGES["interests.empty"]
        assert t("forget.cancel") == ENGLISH("forget.cancel")  # not translated yet: English
    finally:
        catalogue._messages.cache_clear()
