"""`bot serve`: the local way to run, end to end over a loopback Socket Mode connection."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import parse_qsl

import pytest

from tests.fakes.socket_mode_fake import FakeSocketMode
from tests.support import slack_requests as sr


def _start_bot(fake_slack, fake_openai, database_url, tmp_path, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-test",
            "OPENAI_API_KEY": "sk-test",
            "SLACK_API_URL": fake_slack.base_url,
            "OPENAI_BASE_URL": fake_openai.base_url,
            "DATABASE_URL": database_url,
            "EMBEDDING_DIMS": "256",
            **env,
        },
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen) -> str:
    """Ctrl-C, as a person stops it; returns everything it printed."""
    process.send_signal(signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


@pytest.fixture
def served_bot(fake_slack, fake_openai, database_url, pool, tmp_path):
    with FakeSocketMode() as socket_mode:
        fake_slack.socket_mode_url = socket_mode.url
        process = _start_bot(fake_slack, fake_openai, database_url, tmp_path)
        try:
            yield socket_mode
        finally:
            _stop(process)


def test_serve_answers_a_dm_and_a_command_over_socket_mode(served_bot, fake_slack, fake_openai):
    fake_openai.reply_text = "Hello over Socket Mode."
    event = sr.dm_event("U1", "I love Rust.", team_id="T1")
    envelope = served_bot.send("events_api", json.loads(sr.event_body(event, team_id="T1")))
    served_bot.ack(envelope, timeout=60)  # the first one waits for start-up

    fake_slack.wait_for("chat.update", timeout=30)
    deadline = time.monotonic() + 30
    while not fake_slack.calls_to("views.publish") and time.monotonic() < deadline:
        time.sleep(0.1)  # the Home tab is refreshed after extraction
    assert [m["text"] for m in fake_slack.messages("D1")] == ["Hello over Socket Mode."]

    url = fake_slack.response_url("sm")
    body = sr.command_body("/interests", "", user="U1", team_id="T1", response_url=url)
    served_bot.ack(served_bot.send("slash_commands", dict(parse_qsl(body))))
    (listing,) = fake_slack.wait_for("response_url:sm", timeout=30)
    assert "Rust" in json.dumps(listing.params)

    # /forget asks first, through response_url: only the worker knows the person's language.
    body = sr.command_body("/forget", "", user="U1", team_id="T1", response_url=url)
    served_bot.ack(served_bot.send("slash_commands", dict(parse_qsl(body))))
    (_, confirmation) = fake_slack.wait_for("response_url:sm", count=2, timeout=30)
    assert "forget_all_confirm" in json.dumps(confirmation.params)

    # An ack that carries an answer (the memory editor's errors) travels back over the socket.
    view = {"callback_id": "memory_editor", "private_metadata": "{}"}
    body = sr.view_submission_body(user="U1", team_id="T1", view=view, values={})
    payload = json.loads(dict(parse_qsl(body))["payload"])
    ack = served_bot.ack(served_bot.send("interactive", payload))
    assert ack["payload"]["response_action"] == "errors" and "topic" in ack["payload"]["errors"]


def test_serve_says_it_is_connected_once_it_is_and_is_quiet_otherwise(
    fake_slack, fake_openai, database_url, pool, tmp_path
):
    with FakeSocketMode() as socket_mode:
        fake_slack.socket_mode_url = socket_mode.url
        process = _start_bot(fake_slack, fake_openai, database_url, tmp_path, PYTHONUNBUFFERED="1")
        try:
            printed = [process.stdout.readline()]
            while printed[-1] and "Connected to Slack" not in printed[-1]:
                printed.append(process.stdout.readline())
            # The start-up check, then the connection itself (its handshake done before it returns).
            opened_when_said = len(fake_slack.calls_to("apps.connections.open"))
        finally:
            printed.append(_stop(process))
    assert "Connected to Slack over Socket Mode" in printed[-2]
    assert opened_when_said == 2
    # Nothing else: no database narration, no Bolt warning about the unused token, no traceback.
    out = "".join(printed)
    assert out.strip().splitlines() == [printed[-2].strip()], out
    assert fake_openai.requests[0].path == "/v1/models/gpt-4.1-mini"  # the key was checked
