"""The Slack-free conversation on the real database and fake OpenAI."""

from __future__ import annotations

import pytest

from bot.conversation.llm import openai_client
from bot.wiring import build_conversation


@pytest.fixture
def conversation(settings, pool):
    return build_conversation(settings, pool=pool, openai=openai_client(settings))
