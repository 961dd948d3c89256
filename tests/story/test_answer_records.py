"""Every answer leaves one record (ids and numbers, never text), and feedback lands on it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.slack.answer_blocks import FEEDBACK_ACTION


def _rows(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute("SELECT * FROM bot_answers ORDER BY id").fetchall()


def _feedback_body(*, user: str, channel: str, ts: str, value: str) -> str:
    """A click on an answer's feedback buttons, as Slack sends block_actions from a message."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "example"},
        "user": {"id": user, "team_id": "T1", "username": user.lower()},
        "api_app_id": "A1",
        "trigger_id": "trig.feedback",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": ts, "text": "the answer"},
        "actions": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_ACTION,
                "block_id": "feedback",
                "value": value,
                "action_ts": "1700000000.000001",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def test_an_answer_is_recorded_with_its_numbers_and_no_text(bot, pool):
    bot.openai.search_finds(("https://example.com/rust-2026", "Rust in 2026"))
    bot.dm("U1", "I use Rust. What's new in it lately?")
    (row,) = _rows(pool)
    (answer,) = bot.slack.messages("D1")
    assert row["team_id"] == "T1" and row["user_id"] == "U1" and row["channel"] == "D1"
    assert row["answer_ts"] == answer["ts"]
    assert row["outcome"] == "ok" and row["model"]
    assert row["input_tokens"] > 0 and row["output_tokens"] > 0
    assert row["web_searches"] == 1
    assert row["first_token_ms"] is not None and row["total_ms"] >= row["first_token_ms"]
    stored = json.dumps(row, default=str)
    assert "Rust" not in stored and "lately" not in stored


def test_model_errors_and_cut_off_answers_are_recorded_as_such(bot, pool):
    bot.openai.fail_next("responses", status=500, count=5)
    bot.dm("U1", "first question")
    bot.openai.reset()
    bot.openai.cut_stream(after_chars=20)
    bot.dm("U1", "second question")
    assert [row["outcome"] for row in _rows(pool)] == ["model_error", "cut_off"]


def test_feedback_is_stored_on_the_answer_and_acknowledged_to_the_clicker_only(bot, pool):
    bot.dm("U1", "What is Rust good for?")
    (answer,) = bot.slack.messages("D1")
    response = bot.send(
        _feedback_body(user="U1", channel="D1", ts=answer["ts"], value="good"), form=True
    )
    assert response.status == 200
    bot.drain()
    assert _rows(pool)[0]["feedback"] == "good"
    (thanks,) = bot.slack.calls_to("chat.postEphemeral")
    assert thanks.params["user"] == "U1" and thanks.params["channel"] == "D1"


def test_a_forged_click_on_someone_elses_answer_changes_nothing(bot, pool):
    bot.dm("U1", "What is Rust good for?")
    (answer,) = bot.slack.messages("D1")
    bot.send(_feedback_body(user="U2", channel="D1", ts=answer["ts"], value="bad"), form=True)
    bot.drain()
    assert _rows(pool)[0]["feedback"] is None
    assert bot.slack.calls_to("chat.postEphemeral") == []


def test_forget_erases_the_persons_answer_records_too(bot, pool):
    bot.dm("U1", "What is Rust good for?")
    bot.dm("U2", "And Go?", channel="D2")
    bot.click("forget_all_confirm", user="U1", value="all")
    assert [row["user_id"] for row in _rows(pool)] == ["U2"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def test_images_and_pdfs_reach_the_model_and_memories_come_from_words_only(bot, pool):
    image = bot.slack.host_file("diagram.png", PNG, "image/png")
    paper = bot.slack.host_file("kafka.pdf", PDF, "application/pdf")
    sheet = bot.slack.host_file("budget.xlsx", b"PK\x03\x04", "application/vnd.ms-excel")
    bot.dm(
        "U1", "I use Rust. What do these show?", subtype="file_share", files=[image, paper, sheet]
    )

    (request,) = bot.openai.bodies("responses")
    parts = request["input"][-1]["content"]
    kinds = [part["type"] for part in parts]
    assert kinds == ["input_text", "input_image", "input_file"]
    assert parts[1]["image_url"].startswith("data:image/png;base64,")
    assert parts[2]["filename"] == "kafka.pdf"
    (answer,) = bot.slack.messages("D1")  # one question, one message: the note is in it
    (note,) = [
        e["text"] for b in answer["blocks"] if b["type"] == "context" for e in b["elements"]
        if "budget.xlsx" in e["text"]
    ]  # fmt: skip
    assert "PDF" in note
    assert bot.topics("T1", "U1") == {"Rust"}  # the files taught nothing
    (extraction,) = bot.openai.bodies("chat")
    assert "base64" not in json.dumps(extraction)


def test_bot_stats_prints_the_operators_summary(bot, settings, monkeypatch, capsys, cli_logging):
    from bot.cli.main import main as cli_main

    bot.dm("U1", "What is Rust good for?")
    (answer,) = bot.slack.messages("D1")
    bot.send(_feedback_body(user="U1", channel="D1", ts=answer["ts"], value="good"), form=True)
    bot.drain()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EMBEDDING_DIMS", str(settings.embedding_dims))
    assert cli_main(["stats", "--days", "3"]) == 0
    out = capsys.readouterr().out
    assert "1st token p50" in out and "1 up / 0 down" in out
