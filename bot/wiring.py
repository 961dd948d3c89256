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

from bot.settings import Settings
from bot.slack import listeners
from bot.slack.listeners import Submit

if TYPE_CHECKING:
    from openai import OpenAI
    from psycopg_pool import ConnectionPool

    from bot.conversation.core import Conversation
    from bot.conversation.digest import DigestWriter
    from bot.db.answer_log import AnswerRecord
    from bot.jobs.ledger import DatabaseReady
    from bot.jobs.types import Job
    from bot.jobs.worker import Worker
    from bot.memory.adoption import ScopeProvider
    from bot.memory.erasure import PurgeFailedJobs
    from bot.memory.installation import Installation
    from bot.memory.maintenance import Maintenance
    from bot.memory.service import MemoryService
    from bot.memory.watermarks import Watermarks
    from bot.slack.attachments import Attachments

T = TypeVar("T")


def slack_client(settings: Settings) -> WebClient:
    from bot.jobs.deadlines import SLACK_CALL_S

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
    installation's identity is resolved by the worker (bot/memory/installation.py).
    """
    # Over HTTP the signature is what the ack needs: Lambda's public function holds no bot token.
    settings.require("SLACK_BOT_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET")
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
    database_ready: DatabaseReady = lambda **_: True,
    warm: bool = False,
) -> Worker:
    """`warm`: load the conversation's libraries now, in the background (a long-running
    process); otherwise the first job does, after it has shown the person it is working."""
    from bot.conversation.catch_up import CatchUp
    from bot.conversation.edits import MessageEdits
    from bot.conversation.llm import Responder, openai_client
    from bot.conversation.suggestions import Suggestions
    from bot.conversation.turn import ChannelKinds, Turn
    from bot.jobs.digest_schedule import DigestFanOut, DigestSchedule
    from bot.jobs.ledger import EventClaims, Ledger
    from bot.jobs.worker import Worker
    from bot.memory.adoption import ScopeProvider
    from bot.memory.directory import Directory
    from bot.memory.embeddings import OpenAIEmbedder
    from bot.memory.installation import InstallationResolver
    from bot.memory.preferences import PreferenceStore
    from bot.memory.watermarks import Watermarks
    from bot.slack.digest_delivery import DigestDelivery
    from bot.slack.digest_settings import DigestSettings
    from bot.slack.feedback import AnswerFeedback
    from bot.slack.home_publisher import HomePublisher
    from bot.slack.memory_commands import MemoryCommands
    from bot.slack.profiles import Profiles
    from bot.slack.receipt_clicks import ReceiptClicks
    from bot.slack.who_knows import WhoKnows

    webhook = slack_webhooks(settings)
    # Each person's language and time zone, asked of Slack once per person per hour.
    profiles = Profiles(slack)
    model_client = _once(lambda: openai or openai_client(settings))
    conversation = _once(lambda: build_conversation(settings, pool=pool, openai=model_client()))
    if warm:
        threading.Thread(
            target=lambda: conversation().learner.prepare_in_background(),
            name="warm-up",
            daemon=True,
        ).start()
    prefs = PreferenceStore(pool)
    watermarks = Watermarks(pool)
    scopes = ScopeProvider(
        InstallationResolver(slack), pool, ttl_minutes=settings.memory_ttl_minutes
    )
    purge_failed = _failure_queue_purge(settings)

    def memories() -> MemoryService:
        return conversation().memories

    home = HomePublisher(
        slack=slack,
        memories=memories,
        prefs=prefs,
        pool=pool,
        installation=scopes.get,
        cap=settings.memory_max_per_person,
        ttl_days=settings.memory_ttl_days,
        profiles=profiles,
    )
    claims = EventClaims(Ledger(pool), database_ready)
    channel_kinds = ChannelKinds(slack)
    digest_schedule = DigestSchedule(pool)
    digests_available = _digests_available(settings)
    turn = Turn(
        slack=slack,
        conversation=conversation,
        claims=claims,
        prefs=prefs,
        watermarks=watermarks,
        installation=scopes.get,
        channel_kinds=channel_kinds,
        on_learned=home.publish_quietly,
        on_answer=_answer_recorder(settings, pool),
        read_files=_file_reader(settings, slack),
        profiles=profiles,
    )
    return Worker(
        slack=slack,
        turn=turn,
        suggestions=Suggestions(
            slack=slack, memories=memories, installation=scopes.get, profiles=profiles
        ),
        edits=MessageEdits(
            slack=slack,
            pool=pool,
            conversation=conversation,
            prefs=prefs,
            installation=scopes.get,
            channel_kinds=channel_kinds,
            on_changed=home.publish_quietly,
        ),
        commands=MemoryCommands(
            slack=slack,
            memories=memories,
            pool=pool,
            installation=scopes.get,
            webhook=webhook,
            home=home,
            purge_failed=purge_failed,
            profiles=profiles,
        ),
        home=home,
        feedback=AnswerFeedback(slack=slack, pool=pool, installation=scopes.get, profiles=profiles),
        receipt_clicks=ReceiptClicks(
            slack=slack,
            memories=memories,
            installation=scopes.get,
            profiles=profiles,
            webhook=webhook,
            home=home,
        ),
        maintenance=build_maintenance(
            settings, slack=slack, pool=pool, memories=memories, scopes=scopes
        ),
        digests=DigestDelivery(
            slack=slack,
            schedule=digest_schedule,
            memories=memories,
            writer=_once(lambda: _digest_writer(settings, model_client())),
            profiles=profiles,
            installation=scopes.get,
        ),
        digest_settings=DigestSettings(
            slack=slack,
            prefs=prefs,
            schedule=digest_schedule,
            memories=memories,
            profiles=profiles,
            installation=scopes.get,
            webhook=webhook,
            home=home,
            available=digests_available,
        ),
        digest_fan_out=DigestFanOut(
            digest_schedule,
            scopes.get,
            per_minute=settings.digest_per_minute,
            concurrency=settings.digest_concurrency,
            enabled=digests_available,
        ),
        claims=claims,
        predates_erasure=_erasure_check(watermarks, scopes.get),
        profiles=profiles,
        catch_up=CatchUp(
            slack=slack,
            memories=memories,
            # A summary of what others said needs no web search.
            responder=_once(
                lambda: Responder(model_client(), settings.chat_model, web_search=False)
            ),
            installation=scopes.get,
            webhook=webhook,
            profiles=profiles,
        ),
        who_knows=WhoKnows(
            directory=_once(
                lambda: Directory(
                    pool,
                    OpenAIEmbedder(
                        model_client(), settings.embedding_model, settings.embedding_dims
                    ),
                )
            ),
            prefs=prefs,
            installation=scopes.get,
            webhook=webhook,
            home=home,
            profiles=profiles,
        ),
        database_ready=database_ready,
        webhook=webhook,
    )


def _digests_available(settings: Settings) -> bool:
    """A digest is news found with web search: none without the tool."""
    from bot.conversation.llm import web_search_tool

    return settings.web_search and web_search_tool(settings.chat_model) is not None


def _digest_writer(settings: Settings, openai: OpenAI) -> DigestWriter:
    from bot.conversation.digest import DigestWriter
    from bot.conversation.llm import Responder

    return DigestWriter(Responder(openai, settings.chat_model, web_search=settings.web_search))


def build_maintenance(
    settings: Settings,
    *,
    slack: WebClient,
    pool: ConnectionPool,
    memories: Callable[[], MemoryService],
    scopes: ScopeProvider | None = None,
) -> Maintenance:
    """Uninstall, revocation and the daily sweep: the same for the worker and `bot sweep`."""
    from bot.memory.adoption import ScopeProvider
    from bot.memory.installation import InstallationResolver, working_scope
    from bot.memory.maintenance import Maintenance

    scopes = scopes or ScopeProvider(
        InstallationResolver(slack), pool, ttl_minutes=settings.memory_ttl_minutes
    )
    return Maintenance(
        pool=pool,
        memories=memories,
        forget_installation_cache=scopes.forget,
        installation=scopes.get,
        working_scope=lambda: working_scope(slack),
        revoked_grace_days=settings.revoked_grace_days,
        purge_failed=_failure_queue_purge(settings),
    )


def _erasure_check(
    watermarks: Watermarks, installation: Callable[[], Installation]
) -> Callable[[Job], bool]:
    """Whether a job was issued before its person's (or its installation's) last erasure."""

    def predates_erasure(job: Job) -> bool:
        # An uninstall names its installation; every other job is this installation's.
        return watermarks.predate(job.get("scope_id") or installation().scope_id, job)

    return predates_erasure


def _failure_queue_purge(settings: Settings) -> PurgeFailedJobs | None:
    """On AWS, erasing a person also takes their failed jobs out of the failure queue."""
    if not settings.failure_queue_url:
        return None
    from bot.aws.failure_queue import FailureQueue, sqs_client

    return FailureQueue(settings.failure_queue_url, sqs_client).purge


def _answer_recorder(settings: Settings, pool: ConnectionPool) -> Callable[[AnswerRecord], None]:
    """One row per answer in the answer log; on Lambda also a CloudWatch metric line."""
    from bot.aws import metrics
    from bot.db import answer_log

    def record(answer: AnswerRecord) -> None:
        answer_log.record(pool, answer)
        if settings.emit_metrics:
            metrics.emit_answer(answer)

    return record


def _file_reader(settings: Settings, slack: WebClient) -> Callable[[list[dict]], Attachments]:
    from bot.jobs import deadlines
    from bot.slack.attachments import read_attachments

    def read(files: list[dict]) -> Attachments:
        return read_attachments(
            files,
            token=settings.slack_bot_token or "",
            slack_api_url=settings.slack_api_url,
            budget_s=deadlines.current().allow(deadlines.SLACK_CALL_S * 2),
            file_info=lambda file_id: slack.files_info(file=file_id)["file"],
        )

    return read


def slack_webhooks(settings: Settings) -> Callable[[str], WebhookClient]:
    """response_url clients, for Slack's own URLs only: a job naming another host (forged, or
    a bug) must never carry a person's memories anywhere else."""
    from bot.slack.urls import is_slack_response_url

    def webhook(url: str) -> WebhookClient:
        if not is_slack_response_url(url, settings.slack_api_url):
            raise ValueError("response_url is not Slack's")
        return WebhookClient(url, timeout=10)

    return webhook


def build_conversation(
    settings: Settings,
    *,
    pool: ConnectionPool,
    openai: OpenAI | None = None,
) -> Conversation:
    from bot.conversation.core import Conversation
    from bot.conversation.llm import Responder, extraction_model, openai_client
    from bot.db.storage import StoreBuilder
    from bot.memory.embeddings import OpenAIEmbedder
    from bot.memory.learning import Learner
    from bot.memory.service import MemoryService

    openai = openai or openai_client(settings)
    stores = StoreBuilder(
        OpenAIEmbedder(openai, settings.embedding_model, settings.embedding_dims),
        settings.embedding_dims,
    )
    return Conversation(
        MemoryService(stores, pool, ttl_minutes=settings.memory_ttl_minutes),
        Learner(
            stores,
            pool,
            lambda: extraction_model(settings),
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
