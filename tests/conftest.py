"""Real PostgreSQL 16 + pgvector (embedded), loopback Slack and OpenAI, and the bot wired up."""

from __future__ import annotations

import logging

import pytest

from bot.db.storage import embedded_database_url, migrate, open_pool
from bot.settings import Settings
from tests.fakes import FakeOpenAI, FakeSlack
from tests.fakes.openai_fake import default_reply
from tests.support.harness import Bot, bot_settings, wire_bot

TEST_DIMS = 256


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return embedded_database_url(tmp_path_factory.mktemp("pg"))


@pytest.fixture(scope="session")
def fake_openai():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_slack():
    with FakeSlack(team_id="T1", bot_user_id="UBOT", bot_id="BBOT") as fake:
        yield fake


@pytest.fixture
def settings(fake_openai, fake_slack, database_url, tmp_path) -> Settings:
    return bot_settings(fake_openai, fake_slack, database_url, tmp_path, TEST_DIMS)


@pytest.fixture(scope="session")
def pool(database_url, fake_openai):
    pool = open_pool(database_url)
    migrate(pool, TEST_DIMS)
    yield pool
    pool.close()


@pytest.fixture(autouse=True)
def clean_state(request, fake_openai, fake_slack):
    fake_openai.reset()
    fake_openai.reply_text = default_reply
    fake_slack.reset()
    if "pool" in request.fixturenames:
        pool = request.getfixturevalue("pool")
        with pool.connection() as conn:
            conn.execute(
                "TRUNCATE store, store_vectors, bot_processed_events, bot_user_prefs, "
                "bot_installations, bot_memory_evictions, bot_answers, bot_digest_claims"
            )
    yield


@pytest.fixture
def bot(settings, pool, fake_slack, fake_openai, caplog) -> Bot:
    caplog.set_level(logging.INFO)
    bot = wire_bot(settings, pool, fake_slack, fake_openai)
    yield bot
    bot.close()


@pytest.fixture
def cli_logging():
    """`bot` commands configure logging for the process; put the test's back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.fixture
def aws(monkeypatch):
    """AWS APIs faked by moto, with throwaway credentials."""
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield
