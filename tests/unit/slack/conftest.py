"""Real parts for the worker-side Slack modules: the memory service on the real database, a
Slack client and response_url webhooks pointed at the loopback Slack."""

from __future__ import annotations

import pytest

from bot.conversation.llm import openai_client
from bot.memory.installation import Installation
from bot.slack.profiles import Profiles
from bot.wiring import build_conversation, slack_client, slack_webhooks

INSTALLATION = Installation(
    scope_id="T1", team_id="T1", enterprise_id=None, bot_user_id="UBOT", bot_id="BBOT"
)


@pytest.fixture
def memories(settings, pool):
    return build_conversation(settings, pool=pool, openai=openai_client(settings)).memories


@pytest.fixture
def slack(settings):
    return slack_client(settings)


@pytest.fixture
def profiles(slack):
    return Profiles(slack)


@pytest.fixture
def webhook(settings):
    return slack_webhooks(settings)
