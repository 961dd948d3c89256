"""Loopback HTTP fakes of OpenAI and Slack for tests (see each module's docstring)."""

from .openai_fake import FakeOpenAI
from .slack_fake import FakeSlack

__all__ = ["FakeOpenAI", "FakeSlack"]
