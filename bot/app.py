"""Wiring: one factory for the Bolt app and one for the worker, shared by every entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import listeners
from bot.listeners import Submit
from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from openai import OpenAI
    from psycopg_pool import ConnectionPool

    from bot.assistant import Assistant
    from bot.worker import Worker


def slack_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            # Slack's 429s carry Retry-After; the handler sleeps exactly that long and retries.
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    settings: Settings, *, client: WebClient, submit: Submit, socket_mode: bool = False
) -> App:
    """The Bolt app. Over HTTP every request's signature is checked; Socket Mode has none."""
    if not socket_mode:
        settings.require("SLACK_SIGNING_SECRET")
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # Lambda freezes after the response, so listeners finish (ack + hand-off) before it.
        process_before_response=True,
        # auth.test happens lazily on the first request instead of at cold start.
        token_verification_enabled=False,
    )
    listeners.register(app, submit)
    return app


def build_worker(
    settings: Settings,
    *,
    slack: WebClient,
    pool: ConnectionPool,
    openai: OpenAI | None = None,
    chat_model: BaseChatModel | None = None,
    database_ready: Callable[[], bool] = lambda: True,
) -> Worker:
    from bot.ledger import Ledger
    from bot.worker import Worker

    return Worker(
        slack=slack,
        assistant=lambda: build_assistant(
            settings, pool=pool, openai=openai, chat_model=chat_model
        ),
        ledger=Ledger(pool),
        database_ready=database_ready,
    )


def build_assistant(
    settings: Settings,
    *,
    pool: ConnectionPool,
    openai: OpenAI | None = None,
    chat_model: BaseChatModel | None = None,
) -> Assistant:
    from bot.assistant import Assistant
    from bot.embeddings import OpenAIEmbedder
    from bot.llm import Responder, extraction_model, openai_client
    from bot.memory import MemoryService
    from bot.storage import build_store

    openai = openai or openai_client(settings)
    store = build_store(
        pool,
        OpenAIEmbedder(openai, settings.embedding_model, settings.embedding_dims),
        settings.embedding_dims,
    )
    return Assistant(
        MemoryService(
            store,
            chat_model or extraction_model(settings),
            extraction_context=settings.memory_limit,
        ),
        Responder(openai, settings.chat_model),
        settings.memory_limit,
    )
