"""Real PostgreSQL 16 + pgvector (embedded), loopback Slack and OpenAI, and the bot wired up."""

from __future__ import annotations

import logging

import pytest

from bot.app import build_app, build_worker, slack_client
from bot.dispatch import ThreadDispatcher
from bot.llm import openai_client
from bot.settings import Settings
from bot.storage import embedded_database_url, migrate, open_pool
from tests.fakes import FakeOpenAI, FakeSlack
from tests.fakes.openai_fake import default_reply
from tests.harness import SIGNING_SECRET, Bot

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
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.base_url,
            "OPENAI_API_KEY": "sk-test-key",
            "OPENAI_BASE_URL": fake_openai.base_url,
            "OPENAI_MAX_RETRIES": "1",
            "OPENAI_TIMEOUT": "5",
            "DATABASE_URL": database_url,
            "BOT_DATA_DIR": str(tmp_path),
            "CHAT_MODEL": "gpt-test-chat",
            "MEMORY_MODEL": "gpt-test-memory",
            "EMBEDDING_DIMS": str(TEST_DIMS),
        }
    )


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
            conn.execute("TRUNCATE store, store_vectors, bot_processed_events, bot_user_prefs")
    yield


@pytest.fixture
def bot(settings, pool, fake_slack, fake_openai, caplog) -> Bot:
    caplog.set_level(logging.INFO)
    slack = slack_client(settings)
    worker = build_worker(settings, slack=slack, pool=pool, openai=openai_client(settings))
    dispatcher = ThreadDispatcher(worker.run)
    app = build_app(settings, client=slack, submit=dispatcher.submit)
    yield Bot(app=app, dispatcher=dispatcher, slack=fake_slack, openai=fake_openai, pool=pool)
    dispatcher.drain()
    dispatcher.shutdown()
