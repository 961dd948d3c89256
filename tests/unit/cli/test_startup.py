"""Starting a command: every token problem told at once, one sentence per failure, no log lines
or tracebacks before it (unless LOG_LEVEL=DEBUG), and only what the command needs."""

from __future__ import annotations

import socket
from pathlib import Path

from dotenv import dotenv_values

from bot.settings import project_dir
from tests.support.flaky_proxy import FlakyProxy
from tests.unit.cli.conftest import run_bot

SERVE_TOKENS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "OPENAI_API_KEY")


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nothing listens on: a machine without network
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_friendly_line(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("bot: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_every_token_problem_is_named_at_once(fake_slack):
    env = {"SLACK_BOT_TOKEN": "hello", "SLACK_API_URL": fake_slack.base_url}
    result = run_bot("serve", env=env)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN should start with 'xoxb-'" in result.stderr
    assert "SLACK_APP_TOKEN is missing" in result.stderr
    assert "OPENAI_API_KEY is missing" in result.stderr
    assert "hello" not in result.stderr  # a value is never echoed: it may be a real secret
    assert fake_slack.calls == []


def test_the_placeholders_of_env_example_are_called_placeholders(fake_slack):
    example = dotenv_values(project_dir() / ".env.example")
    tokens = {name: example[name] for name in SERVE_TOKENS}
    result = run_bot("serve", env={**tokens, "SLACK_API_URL": fake_slack.base_url})
    assert result.returncode == 2
    for name in SERVE_TOKENS:
        assert f"{name} is still a placeholder" in result.stderr
    assert "Could not reach" not in result.stderr
    assert fake_slack.calls == []  # told before trying them


def test_serve_without_network_says_so_in_one_line_without_log_lines(tmp_path):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "OPENAI_API_KEY": "sk-1",
        "SLACK_API_URL": f"http://127.0.0.1:{_closed_port()}/api/",
        "BOT_DATA_DIR": str(tmp_path),
    }
    assert "Could not reach Slack" in _one_friendly_line(run_bot("serve", env=env))
    debug = run_bot("serve", env={**env, "LOG_LEVEL": "DEBUG"})
    assert "Failed to send a request to Slack API server" in debug.stderr  # shown when asked


def test_an_unparsable_database_url_is_told_in_one_line_without_echoing_it():
    result = run_bot("migrate", env={"DATABASE_URL": "postgres//me:hunter2@db/x"})
    assert "DATABASE_URL is not a PostgreSQL connection URL" in _one_friendly_line(result)
    assert "hunter2" not in result.stderr


def test_an_unreachable_database_is_tried_once_and_told_in_one_line(database_url):
    with FlakyProxy(database_url, refuse_first=100) as proxy:
        url = f"postgresql://postgres:hunter2@127.0.0.1:{proxy.port}/postgres?sslmode=disable"
        result = run_bot("migrate", env={"DATABASE_URL": url, "EMBEDDING_DIMS": "256"})
        assert proxy.refused == 1  # no retries with backoff: someone is waiting at a terminal
    line = _one_friendly_line(result)
    assert f"Could not connect to the database at 127.0.0.1:{proxy.port}" in line
    assert "hunter2" not in line


def _migrate_env(database_url: str, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "EMBEDDING_DIMS": "256", **extra}


def test_migrate_without_slack_finishes_the_schema_and_says_the_rest_waits(database_url, pool):
    with pool.connection() as conn:
        conn.execute("DROP TABLE IF EXISTS bot_installations")
    env = _migrate_env(
        database_url, SLACK_BOT_TOKEN="xoxb-1", SLACK_API_URL=f"http://127.0.0.1:{_closed_port()}/"
    )
    result = run_bot("migrate", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    schema, later = result.stdout.splitlines()
    assert schema == "Database schema is up to date."
    assert "Slack can't be reached" in later and "runs at the bot's first job" in later
    with pool.connection() as conn:
        assert conn.execute("SELECT to_regclass('bot_installations') AS t").fetchone()["t"]


def test_migrate_checks_the_bot_tokens_shape_first(database_url):
    result = run_bot("migrate", env=_migrate_env(database_url, SLACK_BOT_TOKEN="xapp-1"))
    assert "SLACK_BOT_TOKEN should start with 'xoxb-'" in result.stderr
    assert result.returncode == 2 and result.stdout == ""


def test_migrate_with_slack_moves_the_installation_in(database_url, pool, fake_slack):
    env = _migrate_env(database_url, SLACK_BOT_TOKEN="xoxb-1", SLACK_API_URL=fake_slack.base_url)
    result = run_bot("migrate", env=env)
    assert result.returncode == 0, result.stderr
    assert "Installation T1: moved 0 memories" in result.stdout


def test_sweep_needs_only_the_database(database_url, pool):
    with pool.connection() as conn:
        for key, expires in (
            ("old", "now() - interval '1 day'"),
            ("new", "now() + interval '1 day'"),
        ):
            conn.execute(
                "INSERT INTO store (prefix, key, value, expires_at) "
                f"""VALUES ('memories.T1.U1', %s, '{{"content": {{"topic": "x"}}}}', {expires})""",
                (key,),
            )
    result = run_bot("sweep", env={"DATABASE_URL": database_url, "EMBEDDING_DIMS": "256"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Deleted 1 expired memories.\n"
    assert result.stderr == ""
    with pool.connection() as conn:
        assert [r["key"] for r in conn.execute("SELECT key FROM store")] == ["new"]


def test_the_data_folder_is_beside_env_wherever_the_command_runs(tmp_path, monkeypatch):
    from bot.cli.main import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_DATA_DIR", raising=False)
    monkeypatch.setenv("PYTHON_DOTENV_DISABLED", "1")
    checkout = Path(__file__).resolve().parents[3]
    assert project_dir() == checkout  # where .env is read from
    assert load_settings().data_dir == checkout / ".data"
    monkeypatch.setenv("BOT_DATA_DIR", "elsewhere")
    assert load_settings().data_dir == checkout / "elsewhere"
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "mine"))
    assert load_settings().data_dir == tmp_path / "mine"
