"""A personal tech digest: opt in, the hourly run sends one DM per person who is due, made with
web search, naming their interests and linking what the search cited; "less of this", "stop
digests" and feedback act for the clicker only; erasure takes the setting, the claims and any
digest still on its way."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from bot.db import answer_log
from bot.jobs.signing import JOB_HMAC_KEY
from bot.memory.preferences import PreferenceStore
from bot.slack import digest_views
from tests.fakes.openai_fake import default_reply
from tests.story import test_lambda
from tests.support import slack_requests as sr

deployment = test_lambda.deployment  # the deployed function, for the Lambda story below
RUST_NEWS = ("https://blog.rust-lang.org/2026/11/27/Rust-1.95.0/", "Announcing Rust 1.95.0")


def digest_writer(body: dict) -> str:
    """What a model asked for a digest writes: one bold-led item per interest it was given."""
    instructions = body.get("instructions") or ""
    if "tech digest" not in instructions:
        return default_reply(body)
    topics = re.findall(r"^- (\S+)", instructions, re.MULTILINE)
    return "\n\n".join(f"**{topic}**: something new shipped in {topic} lately." for topic in topics)


def _ready(bot) -> None:
    bot.openai.reply_text = digest_writer
    bot.openai.search_finds(RUST_NEWS)


def _learn(bot, user: str, text: str) -> None:
    bot.dm(user, text, channel=_dm_of(user))


def _dm_of(user: str) -> str:
    return "D" + user.removeprefix("U")  # what the fake's conversations.open answers


def _opt_in(bot, user: str, frequency: str = "daily") -> str:
    _, name = bot.command("/interests", f"digest {frequency}", user=user)
    return bot.last_response_text(name)


def _run(bot, **options):
    run = bot.worker.digest(bot.dispatcher.submit, **options)
    bot.drain()
    return run


def _digests(bot, user: str) -> list[dict]:
    return [m for m in bot.slack.messages(_dm_of(user)) if _is_digest(m)]


def _is_digest(message: dict) -> bool:
    return any(b.get("type") == "header" for b in message.get("blocks") or [])


def _action(bot, action_id: str, *, user: str, container: dict, value=None, selected=None):
    """A click as Slack sends it, with the message or Home tab it was clicked in."""
    action = {"action_id": action_id, "block_id": "b1", "type": "button", "action_ts": sr.new_ts()}
    if value is not None:
        action["value"] = value
    if selected is not None:
        action.update(type="radio_buttons", selected_option=selected)
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "example"},
        "user": {"id": user, "team_id": "T1", "username": user.lower()},
        "api_app_id": "A1",
        "trigger_id": f"trig.{sr.new_ts()}",
        "container": container,
        "actions": [action],
    }
    name = f"click{sr.new_ts().replace('.', '')}"
    if container.get("type") != "view":
        payload["response_url"] = bot.slack.response_url(name)
    bot.send(urlencode({"payload": json.dumps(payload)}), form=True)
    bot.drain()
    return name


def _in_message(message: dict, channel: str) -> dict:
    return {"type": "message", "channel_id": channel, "message_ts": message["ts"]}


def _interest_level(bot, user: str, topic: str) -> int | None:
    with bot.pool.connection() as conn:
        row = conn.execute(
            "SELECT value->'content'->>'interest_level' AS level FROM store "
            "WHERE prefix = %s AND value->'content'->>'topic' = %s",
            (f"memories.T1.{user}", topic),
        ).fetchone()
    return int(row["level"]) if row and row["level"] is not None else None


# --- the contract ------------------------------------------------------------------------------


def test_opting_in_then_the_hourly_run_sends_one_dm_naming_an_interest_with_a_cited_link(bot):
    _learn(bot, "U1", "I'm learning Rust for a CLI tool")
    _learn(bot, "U2", "I write Kotlin all day")  # talks to the bot, never opts in
    answer = _opt_in(bot, "U1")
    assert "Every day after 09:00 your time (UTC)" in answer and "Rust" in answer
    assert "within the hour" in answer
    _ready(bot)
    before = {u: len(bot.slack.messages(_dm_of(u))) for u in ("U1", "U2")}
    responses_before = len(bot.openai.bodies("responses"))

    run = _run(bot)

    assert len(run.submitted) == 1
    (message,) = bot.slack.messages("D1")[before["U1"] :]
    shown = json.dumps(message["blocks"])
    assert "Rust" in message["text"] and "*Rust*" in shown
    assert RUST_NEWS[0] in shown  # the page the web search cited, linked
    (request,) = bot.openai.bodies("responses")[responses_before:]
    assert {"type": "web_search"} in request["tools"] or any(
        t["type"].startswith("web_search") for t in request["tools"]
    )
    assert "Rust" in request["instructions"]
    # Nobody who did not opt in got anything.
    assert len(bot.slack.messages("D2")) == before["U2"]
    # "Less of this" for the item about Rust, "Stop digests", and feedback.
    less = [b["accessory"] for b in message["blocks"] if b.get("accessory")]
    assert [b["action_id"] for b in less] == [digest_views.DIGEST_LESS]
    assert digest_views.DIGEST_STOP in shown and "feedback_buttons" in shown
    posted = bot.slack.calls_to("chat.postMessage")[-1].params
    assert (posted["unfurl_links"], posted["unfurl_media"]) in ((False, False), ("0", "0"))

    # A second run right after sends nothing.
    assert _run(bot).submitted == []
    assert len(bot.slack.messages("D1")) == before["U1"] + 1


def test_the_answer_and_the_digest_are_in_the_persons_language_and_time_zone(bot):
    bot.slack.profiles["U1"] = {"locale": "ja-JP", "tz": "Asia/Tokyo", "tz_offset": 32400}
    _learn(bot, "U1", "I'm learning Rust")
    answer = _opt_in(bot, "U1", "weekly")
    assert "毎週月曜日" in answer and "Asia/Tokyo" in answer and "Rust" in answer
    _ready(bot)
    _run(bot)
    (message,) = _digests(bot, "U1")
    assert message["blocks"][0]["text"]["text"] == "今週のテックダイジェスト"
    request = bot.openai.bodies("responses")[-1]
    assert "Write in Japanese" in request["instructions"]
    with bot.pool.connection() as conn:
        row = conn.execute("SELECT digest, digest_tz FROM bot_user_prefs").fetchone()
    assert (row["digest"], row["digest_tz"]) == ("weekly", "Asia/Tokyo")


def test_a_bad_digest_command_gets_the_choices_and_changes_nothing(bot):
    _, name = bot.command("/interests", "digest hourly", user="U1")
    assert "/interests digest daily" in bot.last_response_text(name)
    assert PreferenceStore(bot.pool).get("T1", "U1").digest == "off"


# --- due, once -------------------------------------------------------------------------------


def test_the_next_digest_waits_for_the_next_day_after_nine_and_comes_once(bot):
    _learn(bot, "U1", "I'm learning Rust")
    _opt_in(bot, "U1")
    _ready(bot)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    assert len(_run(bot, now=today).submitted) == 1
    assert _run(bot, now=today + timedelta(hours=6)).submitted == []  # same day
    tomorrow_early = today + timedelta(hours=20)  # 08:00 UTC
    assert _run(bot, now=tomorrow_early).submitted == []
    tomorrow = today + timedelta(hours=21, minutes=5)  # 09:05 UTC
    assert len(_run(bot, now=tomorrow).submitted) == 1
    assert _run(bot, now=tomorrow + timedelta(minutes=1)).submitted == []
    assert len(_digests(bot, "U1")) == 2


def test_a_replayed_or_forged_digest_job_sends_nothing(bot):
    _learn(bot, "U1", "I'm learning Rust")
    _opt_in(bot, "U1")
    _ready(bot)
    captured: list[dict] = []
    bot.worker.digest(captured.append)
    (job,) = captured
    bot.worker.run(job)
    bot.worker.run(dict(job))  # Lambda delivering it twice
    bot.worker.run({**job, "event_key": "digest:replayed"})  # replayed under a new key
    assert len(_digests(bot, "U1")) == 1
    # The same claim named for someone else, and a made-up claim: nothing for anyone.
    bot.worker.run({**job, "user_id": "U2", "event_key": "digest:forged-1"})
    bot.worker.run({**job, "claim": "f" * 32, "event_key": "digest:forged-2"})
    assert bot.slack.messages("D2") == []
    assert len(_digests(bot, "U1")) == 1


def test_learning_off_or_nothing_remembered_gets_one_note_not_empty_digests(bot):
    _opt_in(bot, "U3")  # nothing remembered
    _learn(bot, "U4", "I'm learning Rust")
    bot.click("learning_toggle", user="U4", selected_options=[], container="home")
    _opt_in(bot, "U4")
    assert PreferenceStore(bot.pool).get("T1", "U4").learning_enabled is False
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    _run(bot, now=today)
    _run(bot, now=today + timedelta(days=1))
    _run(bot, now=today + timedelta(days=2))
    (note,) = bot.slack.messages("D3")
    assert "don't know what you care about yet" in note["text"]
    notes_to_u4 = [m for m in bot.slack.messages("D4") if "learning is off" in m["text"]]
    assert len(notes_to_u4) == 1
    assert not any("tech digest" in b["instructions"] for b in bot.openai.bodies("responses"))


# --- the buttons act for the clicker -----------------------------------------------------------


def test_less_of_this_lowers_the_clickers_interest_and_a_forged_click_finds_nothing(bot):
    _learn(bot, "U1", "I'm learning Rust")
    _learn(bot, "U2", "I'm learning Rust too")
    _opt_in(bot, "U1")
    _ready(bot)
    _run(bot)
    (message,) = _digests(bot, "U1")
    key = next(b["accessory"]["value"] for b in message["blocks"] if b.get("accessory"))
    before = _interest_level(bot, "U1", "Rust")

    # U2 replays U1's button with U1's memory key: U2's own memories have no such key.
    forged = _action(
        bot, digest_views.DIGEST_LESS, user="U2", container=_in_message(message, "D1"), value=key
    )
    assert "isn't in my memory" in bot.last_response_text(forged)
    assert _interest_level(bot, "U1", "Rust") == before
    assert _interest_level(bot, "U2", "Rust") == 80

    mine = _action(
        bot, digest_views.DIGEST_LESS, user="U1", container=_in_message(message, "D1"), value=key
    )
    assert _interest_level(bot, "U1", "Rust") == before - 20
    assert f"interest {before} → {before - 20}" in bot.last_response_text(mine)


def test_stop_digests_under_a_digest_opts_the_clicker_out(bot):
    _learn(bot, "U1", "I'm learning Rust")
    _opt_in(bot, "U1")
    _opt_in(bot, "U2")
    _ready(bot)
    _run(bot)
    (message,) = _digests(bot, "U1")
    stop = _action(
        bot, digest_views.DIGEST_STOP, user="U1", container=_in_message(message, "D1"), value="off"
    )
    assert "no more digests" in bot.last_response_text(stop)
    prefs = PreferenceStore(bot.pool)
    assert (prefs.get("T1", "U1").digest, prefs.get("T1", "U2").digest) == ("off", "daily")
    assert _run(bot, now=datetime.now(UTC) + timedelta(days=1)).submitted[0]["user_id"] == "U2"


def test_feedback_on_a_digest_is_stored_and_digests_count_in_stats(bot):
    _learn(bot, "U1", "I'm learning Rust")
    _opt_in(bot, "U1")
    _ready(bot)
    _run(bot)
    (message,) = _digests(bot, "U1")
    _action(
        bot, "answer_feedback", user="U2", container=_in_message(message, "D1"), value="good"
    )  # someone else's digest: not theirs to rate
    _action(bot, "answer_feedback", user="U1", container=_in_message(message, "D1"), value="good")
    summary = answer_log.stats(bot.pool, days=1)
    assert summary.digests.answers == 1 and summary.digests.good == 1
    assert summary.digests.input_tokens > 0 and summary.digests.output_tokens > 0
    assert summary.total.answers == 1  # the one DM answered; the digest is not an answer
    assert "Digests: 1 sent" in answer_log.format_stats(summary)
    with bot.pool.connection() as conn:
        (row,) = conn.execute("SELECT * FROM bot_answers WHERE kind = 'digest'").fetchall()
    assert row["answer_ts"] == message["ts"] and row["web_searches"] == 1


def test_the_home_tab_offers_off_daily_weekly_and_a_choice_there_opts_in(bot):
    _learn(bot, "U1", "I'm learning Rust")
    daily = {"text": {"type": "plain_text", "text": "Daily"}, "value": "daily"}
    _action(
        bot,
        digest_views.DIGEST_CHOICE,
        user="U1",
        container={"type": "view", "view_id": "V1"},
        selected=daily,
    )
    assert PreferenceStore(bot.pool).get("T1", "U1").digest == "daily"
    view = bot.slack.calls_to("views.publish")[-1].json_param("view")
    (choice,) = [
        e
        for b in view["blocks"]
        for e in b.get("elements") or []
        if e.get("action_id") == digest_views.DIGEST_CHOICE
    ]
    assert choice["initial_option"]["value"] == "daily"
    assert [o["value"] for o in choice["options"]] == ["off", "daily", "weekly"]
    assert "Every day after 09:00 your time" in json.dumps(view)


# --- erasure -----------------------------------------------------------------------------------


def test_forget_takes_the_digest_setting_and_claims_and_a_job_issued_before_writes_nothing(bot):
    _learn(bot, "U1", "I'm learning Rust")
    _opt_in(bot, "U1")
    _ready(bot)
    captured: list[dict] = []
    bot.worker.digest(captured.append)  # handed over, not yet run
    bot.click("forget_all_confirm", user="U1", value="all")

    assert PreferenceStore(bot.pool).get("T1", "U1").digest == "off"
    with bot.pool.connection() as conn:
        claims = conn.execute("SELECT count(*) AS n FROM bot_digest_claims").fetchone()["n"]
    assert claims == 0
    (job,) = captured
    bot.worker.run(job)
    assert _digests(bot, "U1") == []
    with bot.pool.connection() as conn:
        rows = conn.execute("SELECT count(*) AS n FROM bot_digest_claims").fetchone()["n"]
        answers = conn.execute("SELECT count(*) AS n FROM bot_answers WHERE kind = 'digest'")
        assert (rows, answers.fetchone()["n"]) == (0, 0)
    assert _run(bot).submitted == []


# --- on AWS Lambda -----------------------------------------------------------------------------


def test_on_lambda_the_scheduled_task_fans_out_signed_jobs_that_send_one_digest(
    deployment, fake_slack, fake_openai
):
    import bot.lambda_handler as lambda_handler

    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    url = fake_slack.response_url("optin")
    body = sr.command_body("/interests", "digest daily", user="U1", team_id="T1", response_url=url)
    assert deployment.request(body, form=True)["statusCode"] == 200
    deployment.run_async_invokes()
    (answer,) = fake_slack.calls_to("response_url:optin")
    assert "Every day after 09:00" in answer.params["text"]
    fake_openai.reply_text = digest_writer
    fake_openai.search_finds(RUST_NEWS)
    before = len(fake_slack.messages("D1"))

    task = {"memory_bot_task": "digest"}
    assert lambda_handler.handler(task, deployment.context)["ok"] is True
    (invoke,) = deployment.invokes.calls
    assert invoke["InvocationType"] == "Event"
    payloads = deployment.invokes.take_payloads()
    assert payloads[0]["memory_bot_job"]["kind"] == "digest"
    assert payloads[0][JOB_HMAC_KEY]  # signed like every job
    for payload in payloads + payloads:  # delivered twice, as Lambda may
        assert lambda_handler.handler(payload, deployment.context)["ok"] is True

    (message,) = fake_slack.messages("D1")[before:]
    assert "Rust" in message["text"] and RUST_NEWS[0] in json.dumps(message["blocks"])
    # Right after, the schedule finds nobody due.
    assert lambda_handler.handler(task, deployment.context)["ok"] is True
    assert deployment.invokes.calls == []
    # A job naming someone else under that signature is refused before it runs.
    forged = {**payloads[0], "memory_bot_job": {**payloads[0]["memory_bot_job"], "user_id": "U2"}}
    assert lambda_handler.handler(forged, deployment.context)["ok"] is False
    assert fake_slack.messages("D2") == []


# --- under `bot serve` (Socket Mode) -----------------------------------------------------------


def test_bot_serve_sends_due_digests_in_process_and_takes_the_command_over_the_socket(
    bot, fake_slack, fake_openai, database_url, tmp_path
):
    from urllib.parse import parse_qsl

    from tests.fakes.socket_mode_fake import FakeSocketMode
    from tests.story.test_socket_mode import _start_bot, _stop

    _learn(bot, "U1", "I'm learning Rust")
    _opt_in(bot, "U1")
    _ready(bot)
    before = len(fake_slack.messages("D1"))
    with FakeSocketMode() as socket_mode:
        fake_slack.socket_mode_url = socket_mode.url
        process = _start_bot(fake_slack, fake_openai, database_url, tmp_path)
        try:
            # The first hourly run starts with the bot.
            fake_slack.wait_for("chat.postMessage", count=len(_posts(fake_slack)) + 1, timeout=60)
            body = sr.command_body(
                "/interests",
                "digest weekly",
                user="U5",
                team_id="T1",
                response_url=fake_slack.response_url("sm-digest"),
            )
            socket_mode.ack(socket_mode.send("slash_commands", dict(parse_qsl(body))), timeout=60)
            (answer,) = fake_slack.wait_for("response_url:sm-digest", timeout=30)
        finally:
            _stop(process)
    (message,) = fake_slack.messages("D1")[before:]
    assert _is_digest(message) and RUST_NEWS[0] in json.dumps(message["blocks"])
    assert "Every Monday after 09:00 your time" in answer.params["text"]
    assert PreferenceStore(bot.pool).get("T1", "U5").digest == "weekly"


def _posts(fake_slack) -> list:
    return fake_slack.calls_to("chat.postMessage")


# --- by hand -----------------------------------------------------------------------------------


def test_bot_digest_sends_what_is_due_and_now_sends_anyway(
    bot, settings, monkeypatch, capsys, cli_logging
):
    from bot.cli.main import main

    _learn(bot, "U1", "I'm learning Rust")
    _learn(bot, "U2", "I'm learning Go")
    _opt_in(bot, "U1")
    _opt_in(bot, "U2")
    _ready(bot)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": bot.slack.base_url,
        "OPENAI_API_KEY": "sk-test-key",
        "OPENAI_BASE_URL": bot.openai.base_url,
        "DATABASE_URL": settings.database_url,
        "EMBEDDING_DIMS": str(settings.embedding_dims),
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["digest", "--user", "U1"]) == 0
    assert "Digests: 1 sent" in capsys.readouterr().out
    assert (len(_digests(bot, "U1")), len(_digests(bot, "U2"))) == (1, 0)
    assert main(["digest", "--user", "U1"]) == 0
    assert "No digest due for U1" in capsys.readouterr().out
    assert main(["digest", "--user", "U1", "--now"]) == 0
    assert "Digests: 1 sent" in capsys.readouterr().out
    assert len(_digests(bot, "U1")) == 2
    assert main(["digest"]) == 0  # U2's is still due; U1's was sent
    assert "Digests: 1 sent" in capsys.readouterr().out
    assert (len(_digests(bot, "U1")), len(_digests(bot, "U2"))) == (2, 1)
    assert main(["digest", "--user", "U3", "--now"]) == 0  # never opted in: nothing, even now
    assert "No digest for U3: nobody opted in" in capsys.readouterr().out


def test_on_lambda_a_run_out_of_time_continues_in_a_new_invocation(deployment, fake_slack):
    import bot.lambda_handler as lambda_handler

    deployment.dm("U1", "I'm learning Rust")
    deployment.run_async_invokes()
    body = sr.command_body(
        "/interests",
        "digest daily",
        user="U1",
        team_id="T1",
        response_url=fake_slack.response_url(),
    )
    deployment.request(body, form=True)
    deployment.run_async_invokes()

    short = test_lambda._ShortLived()  # less time left than a run hands out in
    assert lambda_handler.handler({"memory_bot_task": "digest"}, short)["ok"] is True
    # Nobody was handed over in this one; the next invocation carries on.
    assert deployment.invokes.take_payloads() == [{"memory_bot_task": "digest"}]
    assert lambda_handler.handler({"memory_bot_task": "digest"}, deployment.context)["ok"]
    (job,) = deployment.invokes.take_payloads()
    assert job["memory_bot_job"]["user_id"] == "U1"
