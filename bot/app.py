"""Wiring: one factory for the Bolt app and one for the worker, shared by every entry point."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot import listeners
from bot.listeners import Submit
from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from openai import OpenAI
    from psycopg_pool import ConnectionPool

    from bot.answer_log import AnswerRecord
    from bot.assistant import Assistant
    from bot.attachments import Attachments
    from bot.ledger import DatabaseReady
    from bot.worker import Worker

T = TypeVar("T")


def slack_client(settings: Settings) -> WebClient:
    from bot.budget import SLACK_CALL_S

    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        # slack_sdk's default is 30 s; no single call may eat a job's budget.
        timeout=SLACK_CALL_S,
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
    """The Bolt app. Over HTTP every request's signature is checked; Socket Mode has none.

    Authorization is answered from configuration, never from Slack: no `auth.test` runs before
    an ack, so a slow or failing Slack API can't turn into errors for Slack's own requests. The
    installation's identity is resolved by the worker (bot/installation.py).
    """
    if not socket_mode:
        settings.require("SLACK_SIGNING_SECRET")
    settings.require("SLACK_BOT_TOKEN")
    token = settings.slack_bot_token

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    app = App(
        # Tokenless: Bolt gives each request a client carrying the token `authorize` returns,
        # and a token here as well would only earn a "token will be unused" warning.
        client=WebClient(base_url=client.base_url, retry_handlers=client.retry_handlers),
        authorize=authorize,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # Lambda freezes after the response, so listeners finish (ack + hand-off) before it.
        process_before_response=True,
    )
    listeners.register(app, submit, client)
    return app


def build_worker(
    settings: Settings,
    *,
    slack: WebClient,
    pool: ConnectionPool,
    openai: OpenAI | None = None,
    chat_model: BaseChatModel | None = None,
    database_ready: DatabaseReady = lambda **_: True,
) -> Worker:
    from bot.commands import MemoryCommands
    from bot.installation import InstallationResolver
    from bot.ledger import EventClaims, Ledger
    from bot.preferences import PreferenceStore
    from bot.scopes import ScopeProvider
    from bot.turn import ChannelKinds, Turn
    from bot.worker import Worker

    webhook = slack_webhooks(settings)
    assistant = _once(
        lambda: build_assistant(settings, pool=pool, openai=openai, chat_model=chat_model)
    )
    prefs = PreferenceStore(pool)
    scopes = ScopeProvider(
        InstallationResolver(slack), pool, ttl_minutes=settings.memory_ttl_minutes
    )
    commands = MemoryCommands(
        slack=slack,
        assistant=assistant,
        prefs=prefs,
        pool=pool,
        installation=scopes.get,
        forget_installation_cache=scopes.forget,
        webhook=webhook,
        cap=settings.memory_max_per_person,
        ttl_days=settings.memory_ttl_days,
    )
    claims = EventClaims(Ledger(pool), database_ready)
    turn = Turn(
        slack=slack,
        assistant=assistant,
        claims=claims,
        prefs=prefs,
        installation=scopes.get,
        channel_kinds=ChannelKinds(slack),
        on_learned=commands.publish_home_quietly,
        on_answer=_answer_recorder(settings, pool),
        read_files=_file_reader(settings, slack),
    )
    return Worker(
        slack=slack,
        turn=turn,
        commands=commands,
        claims=claims,
        database_ready=database_ready,
        webhook=webhook,
    )


def _answer_recorder(settings: Settings, pool: ConnectionPool) -> Callable[[AnswerRecord], None]:
    """One row per answer in the answer log; on Lambda also a CloudWatch metric line."""
    from bot import answer_log, metrics

    def record(answer: AnswerRecord) -> None:
        answer_log.record(pool, answer)
        if settings.emit_metrics:
            metrics.emit_answer(answer)

    return record


def _file_reader(settings: Settings, slack: WebClient) -> Callable[[list[dict]], Attachments]:
    from bot import budget
    from bot.attachments import read_attachments

    def read(files: list[dict]) -> Attachments:
        return read_attachments(
            files,
            token=settings.slack_bot_token or "",
            slack_api_url=settings.slack_api_url,
            budget_s=budget.current().allow(budget.SLACK_CALL_S * 2),
            file_info=lambda file_id: slack.files_info(file=file_id)["file"],
        )

    return read


def slack_webhooks(settings: Settings) -> Callable[[str], WebhookClient]:
    """response_url clients, for Slack's own URLs only: a job naming another host (forged, or
    a bug) must never carry a person's memories anywhere else."""
    from bot.slack_urls import is_slack_response_url

    def webhook(url: str) -> WebhookClient:
        if not is_slack_response_url(url, settings.slack_api_url):
            raise ValueError("response_url is not Slack's")
        return WebhookClient(url, timeout=10)

    return webhook


def build_assistant(
    settings: Settings,
    *,
    pool: ConnectionPool,
    openai: OpenAI | None = None,
    chat_model: BaseChatModel | None = None,
) -> Assistant:
    from bot.assistant import Assistant
    from bot.embeddings import OpenAIEmbedder
    from bot.learning import Learner
    from bot.llm import Responder, extraction_model, openai_client
    from bot.memory import MemoryService
    from bot.storage import StoreBuilder

    openai = openai or openai_client(settings)
    stores = StoreBuilder(
        OpenAIEmbedder(openai, settings.embedding_model, settings.embedding_dims),
        settings.embedding_dims,
    )
    return Assistant(
        MemoryService(stores, pool, ttl_minutes=settings.memory_ttl_minutes),
        Learner(
            stores,
            pool,
            chat_model or extraction_model(settings),
            max_per_person=settings.memory_max_per_person,
            ttl_minutes=settings.memory_ttl_minutes,
        ),
        Responder(openai, settings.chat_model, web_search=settings.web_search),
        settings.memory_limit,
    )


def _once(build: Callable[[], T]) -> Callable[[], T]:
    """Build on first use (a cold worker shows it is working first), then reuse."""
    lock = threading.Lock()
    built: list[T] = []

    def get() -> T:
        with lock:
            if not built:
                built.append(build())
            return built[0]

    return get
