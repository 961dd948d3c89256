"""The person's own language: everything the bot writes itself follows their Slack locale
(`users.info` with include_locale), Japanese and English complete, English for any other; the
answer itself is asked for in the language the person writes in."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import yaml

import bot.lambda_handler as lambda_handler
from bot.i18n import ja
from bot.i18n.catalogue import ENGLISH, translator
from bot.slack import memory_views
from tests.story import test_lambda as lambda_story
from tests.story import test_socket_mode as socket_story
from tests.support import slack_requests as sr

JA = translator("ja-JP")

# The Lambda deployment and `bot serve` over Socket Mode, as their own stories run them.
deployment = lambda_story.deployment
served_bot = socket_story.served_bot


def _japanese(fake_slack, *users: str) -> None:
    for user in users:
        fake_slack.profiles[user] = {"locale": "ja-JP", "tz": "Asia/Tokyo", "tz_offset": 32400}


def _said(bot, url: str) -> str:
    """The notification text of the last thing posted to a response_url."""
    return bot.responses(url)[-1]["text"]


def _editor_submission(view: dict, **values) -> str:
    return sr.view_submission_body(
        user="U1", team_id="T1", view=view, values={k: {"value": v} for k, v in values.items()}
    )


# --- /interests ------------------------------------------------------------------------------


def test_the_empty_interests_list_is_in_japanese_for_a_japanese_reader(bot):
    _japanese(bot.slack, "U1")
    _, url = bot.command("/interests", user="U1")
    assert _said(bot, url) == ja.MESSAGES["interests.empty"]
    # Slack was asked for the locale, which it sends only when asked.
    (lookup,) = bot.slack.calls_to("users.info")
    assert lookup.params["user"] == "U1" and lookup.params["include_locale"] in ("true", "1")


@pytest.mark.parametrize("locale", ["en-US", "fr-FR", "pt-BR"])
def test_the_empty_interests_list_is_in_english_for_anyone_else(bot, locale):
    bot.slack.profiles["U1"] = {"locale": locale}
    _, url = bot.command("/interests", user="U1")
    assert _said(bot, url) == ENGLISH("interests.empty")


def test_a_japanese_reader_sees_their_memories_listed_in_japanese(bot):
    _japanese(bot.slack, "U1")
    bot.dm("U1", "I'm learning Rust.")
    _, url = bot.command("/interests", user="U1")
    (listing,) = bot.responses(url)
    shown = bot.last_response_text(url)
    assert JA.plural("interests.header", 1) in shown
    assert "*Rust*" in shown and "関心度 80/100" in shown
    assert "DMで覚えました" in shown and "非公開: あなたとの DM でのみ使います" in shown
    buttons = {e["text"]["text"] for b in listing["blocks"] for e in _elements(b)}
    assert {"忘れる", "編集", "すべて忘れる"} <= buttons
    assert "Forget" not in json.dumps(listing, ensure_ascii=False)


def test_help_and_unknown_arguments_are_answered_in_the_persons_language(bot):
    _japanese(bot.slack, "U1")
    ack, url = bot.command("/interests", "bananas", user="U1")
    assert ack.body == ""  # the ack can't know the language; the worker answers
    said = bot.last_response_text(url)
    assert said.startswith("`/interests bananas` というコマンドはありません。")
    assert JA("interests.help") in said
    _, url = bot.command("/forget", "help", user="U1")
    assert _said(bot, url) == JA("forget.help")
    # The same questions from an English reader read English.
    _, url = bot.command("/forget", "help", user="U2")
    assert _said(bot, url) == ENGLISH("forget.help")


def test_the_export_is_sent_and_announced_in_japanese(bot):
    _japanese(bot.slack, "U1")
    bot.dm("U1", "I love Rust.")
    _, url = bot.command("/interests", "export", user="U1")
    (complete,) = bot.slack.calls_to("files.completeUploadExternal")
    shown = json.dumps(complete.params, ensure_ascii=False)
    assert JA("export.title") in shown and JA("export.comment") in shown
    assert _said(bot, url) == "1 件の記憶を JSON ファイルにして DM でお送りしました。"


# --- /forget -------------------------------------------------------------------------------


def test_the_forget_everything_question_and_its_answer_are_in_japanese(bot):
    _japanese(bot.slack, "U1")
    bot.dm("U1", "I love Rust")
    _, url = bot.command("/forget", user="U1")
    (question,) = bot.responses(url)
    assert question["text"] == JA("forget.confirm")
    buttons = {
        e["action_id"]: e["text"]["text"]
        for b in question["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert buttons == {
        memory_views.FORGET_ALL_CONFIRM: "すべて忘れる",
        memory_views.FORGET_ALL_CANCEL: "キャンセル",
    }
    assert bot.topics("T1", "U1") == {"Rust"}  # asked, not done

    _, url = bot.click(memory_views.FORGET_ALL_CONFIRM, user="U1", value="all")
    assert bot.last_response_text(url).startswith("完了しました。")
    assert bot.rows("T1", "U1") == (0, 0)


def test_forgetting_by_words_says_what_went_in_japanese(bot):
    _japanese(bot.slack, "U1")
    bot.dm("U1", "I love Rust")
    _, url = bot.command("/forget", "rust", user="U1")
    assert bot.last_response_text(url).startswith("「rust」に関する記憶を 1 件忘れました:")
    _, url = bot.command("/forget", "cobol", user="U1")
    assert _said(bot, url) == "「cobol」について覚えていることはないため、何も消去していません。"


# --- the Home tab --------------------------------------------------------------------------


def test_the_home_tab_is_in_japanese(bot):
    _japanese(bot.slack, "U1")
    bot.dm("U1", "I love Rust.")
    bot.slack.reset()
    _japanese(bot.slack, "U1")
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"})
    (publish,) = bot.slack.calls_to("views.publish")
    view = publish.json_param("view")
    shown = json.dumps(view, ensure_ascii=False)
    assert view["blocks"][0]["text"]["text"] == "あなたについて覚えていること"
    assert "自分のメッセージから学ぶ" in shown and "学習は *オン* です" in shown
    assert "*プライバシーについて*" in shown and "365 日間話題に出なかったメモ" in shown
    assert "Rust" in shown and "記憶 1 件:" in shown
    assert "Privacy" not in shown and "Learn from my messages" not in shown


# --- answers ---------------------------------------------------------------------------------


def test_an_apology_is_in_the_persons_language(bot):
    _japanese(bot.slack, "U1")
    bot.openai.fail_next("responses", status=500, count=5)
    bot.mention("U1", "are you there?", ts="1700000200.000001")
    (message,) = bot.slack.messages("C1")
    assert message["text"] == JA("notice.apology")
    assert message["thread_ts"] == "1700000200.000001"


def test_the_end_of_an_answer_is_in_japanese_and_the_model_is_told_to_answer_in_kind(bot):
    _japanese(bot.slack, "U1")
    bot.openai.search_finds(("https://www.rust-lang.org/", "Rust"))
    bot.openai.reply_text = "Rust 2024 エディションが出ています。"
    bot.dm("U1", "Rust の最新情報を教えて")
    (message,) = bot.slack.messages("D1")
    assert message["text"].startswith("Rust 2024 エディションが出ています。")
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert JA("answer.ai_note") in shown and "*出典*" in shown
    feedback = next(b for b in message["blocks"] if b["type"] == "context_actions")
    buttons = feedback["elements"][0]
    assert buttons["positive_button"]["text"]["text"] == "良い回答"
    assert buttons["negative_button"]["text"]["text"] == "良くない回答"
    (request,) = bot.openai.bodies("responses")
    assert "Answer in the language the person writes in" in request["instructions"]


def test_an_assistant_thread_shows_its_status_and_prompts_in_japanese(bot):
    _japanese(bot.slack, "U1")
    bot.dm("U1", "Rust を学ぶには？", thread_ts="1700000500.000001")
    (status,) = bot.slack.calls_to("assistant.threads.setStatus")
    assert status.params["status"] == "が考えています…"
    bot.event(
        {
            "type": "assistant_thread_started",
            "assistant_thread": {
                "user_id": "U1",
                "channel_id": "D1",
                "thread_ts": "1700000600.000001",
            },
        }
    )
    (prompts,) = bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    titles = [p["title"] for p in prompts.json_param("prompts")]
    assert "私について何を覚えていますか？" in titles
    assert prompts.params["title"] == JA("assistant.prompts_title")


# --- the memory editor -----------------------------------------------------------------------


def test_the_editor_opens_and_refuses_bad_input_in_japanese(bot, pool):
    _japanese(bot.slack, "U1")
    bot.dm("U1", "I use Rust")
    with pool.connection() as conn:
        (key,) = [r["key"] for r in conn.execute("SELECT key FROM store").fetchall()]
    bot.click(memory_views.EDIT_MEMORY, user="U1", value=key)
    opened = bot.slack.calls_to("views.open")[-1].json_param("view")
    assert opened["title"]["text"] == "記憶を編集"
    assert [b["label"]["text"] for b in opened["blocks"]][:2] == [
        "トピック",
        "カテゴリ (例: バックエンド、クラウド)",
    ]

    # Slack's submission names no language: the modal carried the one it was opened in.
    view = {"callback_id": opened["callback_id"], "private_metadata": opened["private_metadata"]}
    refused = bot.send(_editor_submission(view, topic="", interest_level="150"), form=True)
    errors = json.loads(refused.body)["errors"]
    assert errors == {
        "topic": "「Rust」や「Kubernetes」のように、トピックを入力してください。",
        "interest_level": "関心度は 0 から 100 までの整数で入力してください。",
    }
    assert bot.topics("T1", "U1") == {"Rust"}


# --- on AWS Lambda and over Socket Mode -------------------------------------------------------


def test_through_the_lambda_handler_a_japanese_reader_reads_japanese(deployment, fake_slack):
    _japanese(fake_slack, "U1")
    url = fake_slack.response_url("ja")
    body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
    ack = deployment.request(body, form=True)
    assert ack["statusCode"] == 200 and not ack.get("body")
    deployment.run_async_invokes()
    (listing,) = fake_slack.calls_to("response_url:ja")
    assert listing.params["text"] == ja.MESSAGES["interests.empty"]

    body = sr.command_body("/forget", "", user="U1", team_id="T1", response_url=url)
    deployment.request(body, form=True)
    deployment.run_async_invokes()
    question = fake_slack.calls_to("response_url:ja")[-1].params
    assert question["text"] == JA("forget.confirm")


def test_a_japanese_reader_waiting_on_a_resuming_database_hears_so_in_japanese(
    deployment, fake_slack
):
    _japanese(fake_slack, "U1")
    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    lambda_handler._runtime.pool.close()  # a new container: nothing connected yet
    lambda_handler._runtime = None
    deployment.proxy.refusals_left = 6  # refused long enough to notice (over 1.5 s)
    url = fake_slack.response_url("waking")
    body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
    deployment.request(body, form=True)
    deployment.run_async_invokes()
    notice, listing = [c.params for c in fake_slack.calls_to("response_url:waking")]
    assert notice["text"] == JA("notice.waking_up")
    assert listing["text"] == JA.plural("interests.header", 1)


def test_the_manifest_asks_for_the_scope_users_info_needs():
    manifest = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())
    assert "users:read" in manifest["oauth_config"]["scopes"]["bot"]


def test_over_socket_mode_a_japanese_reader_reads_japanese(served_bot, fake_slack):
    _japanese(fake_slack, "U1")
    url = fake_slack.response_url("sm")
    body = sr.command_body("/forget", "", user="U1", team_id="T1", response_url=url)
    served_bot.ack(served_bot.send("slash_commands", dict(parse_qsl(body))), timeout=60)
    (question,) = fake_slack.wait_for("response_url:sm", timeout=30)
    assert question.params["text"] == JA("forget.confirm")

    # The editor's errors travel back in the ack, in the language the modal was opened in.
    metadata = json.dumps({"key": "", "from_home": False, "locale": "ja-JP"})
    view = {"callback_id": memory_views.MEMORY_EDITOR, "private_metadata": metadata}
    payload = json.loads(dict(parse_qsl(_editor_submission(view, topic="")))["payload"])
    ack = served_bot.ack(served_bot.send("interactive", payload))
    assert ack["payload"]["errors"] == {"topic": JA("editor.error_topic_missing")}


def _elements(block: dict) -> list[dict]:
    found = list(block.get("elements") or [])
    if block.get("accessory"):
        found.append(block["accessory"])
    return [e for e in found if isinstance(e.get("text"), dict)]
