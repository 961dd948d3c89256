"""`bot chat`: the terminal conversation through the same memory and reply code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.fakes import FakeOpenAI
from tests.unit.cli.conftest import run_bot


def test_a_terminal_conversation_forms_memories_uses_them_and_forgets(
    fake_openai, database_url, pool, tmp_path
):
    fake_openai.reply_text = "Happy to help."
    script = "I am learning Rust.\nWhat next?\n/interests\n/forget rust\n/interests\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "alice"],
        input=script,
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": fake_openai.base_url,
            "DATABASE_URL": database_url,
            "EMBEDDING_DIMS": "256",
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot> Happy to help." in out
    assert "(learned: Rust" in out
    assert "(remembering: Rust)" in out  # the second question used the memory
    assert "- Rust [programming language] 80/100" in out
    assert "Forgot 1: Rust" in out
    assert (
        out.rstrip().endswith("Nothing remembered yet.\nalice>") or "Nothing remembered yet." in out
    )
    instructions = [body["instructions"] for body in fake_openai.bodies("responses")]
    assert "Rust" in instructions[1]


def _chat_env(openai_url: str, database_url: str, tmp_path) -> dict:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": openai_url,
        "OPENAI_MAX_RETRIES": "0",
        "DATABASE_URL": database_url,
        "EMBEDDING_DIMS": "256",
        "PYTHONUNBUFFERED": "1",
    }


def test_chat_without_network_at_start_says_so_in_one_line(database_url, tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "alice"],
        input="hello\n",
        env=_chat_env(nowhere, database_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "Could not reach OpenAI" in result.stderr


def test_chat_that_loses_the_network_says_what_failed_in_one_line_each(
    database_url, pool, tmp_path
):
    with FakeOpenAI() as reachable_for_now:  # its own: it goes away after start-up
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--user", "alice"],
            env=_chat_env(reachable_for_now.base_url, database_url, tmp_path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        assert process.stdout.readline().startswith("Chatting as alice")
    out, err = process.communicate("I am learning Rust.\n/forget rust\n/interests\n/quit\n", 120)
    assert process.returncode == 0, err
    assert err == ""
    assert "(answering failed: OpenAI can't be reached; try again)" in out
    assert "(forgetting failed: OpenAI can't be reached; try again)" in out
    assert "Nothing remembered yet." in out  # the database still answers
    assert "Traceback" not in out


def test_chat_answers_help_itself_listing_what_it_understands(fake_openai, database_url, pool):
    result = run_bot(
        "chat",
        "--user",
        "alice",
        env=_chat_env(fake_openai.base_url, database_url, "/tmp"),
        stdin="/help\n/nonsense\n/quit\n",
    )
    assert result.returncode == 0, result.stderr
    for command in ("/interests", "/forget WORDS", "/forget", "/help", "/quit"):
        assert f"\n  {command} " in result.stdout
    assert "there is no /nonsense here; /help lists what I understand" in result.stdout
    assert fake_openai.bodies("responses") == []  # neither line went to the model
    assert "bot>" not in result.stdout


@pytest.fixture(scope="module")
def embedded_chat(fake_openai, tmp_path_factory):
    """`bot chat` on its own embedded database, from a folder that is not the project's, in an
    environment without XDG_RUNTIME_DIR (containers, `sudo`, cron)."""
    data_dir = tmp_path_factory.mktemp("chat") / "data"
    env = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "BOT_DATA_DIR": str(data_dir),
        "EMBEDDING_DIMS": "256",
    }
    result = run_bot("chat", "--user", "alice", env=env, stdin="/quit\n", cwd=data_dir.parent)
    assert result.returncode == 0, result.stderr
    return data_dir, result


def test_chat_says_where_its_memories_are_kept(embedded_chat):
    data_dir, result = embedded_chat
    assert result.stdout.startswith(f"Chatting as alice, with memories in {data_dir} ")
    assert (data_dir / "pg").is_dir()


def test_the_embedded_database_starts_without_warnings(embedded_chat):
    _, result = embedded_chat
    assert result.stderr == ""  # no RuntimeDirWarning about XDG_RUNTIME_DIR
