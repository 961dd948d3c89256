"""The work that runs after Slack has its ack: which job kinds exist and who handles each.

A job is a JSON-able dict so it can cross into another Lambda invocation unchanged. Every job
ends with something the person can see, even when the database or the model fails; nothing
is raised to the caller (a raise in a Lambda async invocation would be retried and repeat work).
Handlers: the conversation turn (bot/conversation/turn.py), suggested prompts
(bot/conversation/suggestions.py), edited and deleted messages (bot/conversation/edits.py),
memory commands (bot/slack/memory_commands.py), the Home tab (bot/slack/home_publisher.py),
answer feedback (bot/slack/feedback.py), Catch me up (bot/conversation/catch_up.py), /whoknows
(bot/slack/who_knows.py), maintenance (bot/memory/maintenance.py) and the tech digest
(bot/slack/digest_delivery.py, bot/slack/digest_settings.py; its fan-out is
bot/jobs/digest_schedule.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.conversation.catch_up import CatchUp
from bot.conversation.edits import MessageEdits
from bot.conversation.suggestions import Suggestions
from bot.conversation.turn import Turn
from bot.i18n.catalogue import ENGLISH, Translator
from bot.jobs import deadlines
from bot.jobs.deadlines import Deadline
from bot.jobs.digest_schedule import DigestFanOut, FanOut
from bot.jobs.ledger import DatabaseReady, EventClaims
from bot.jobs.types import Job, JobHandler
from bot.logs import job_ids
from bot.memory.maintenance import Maintenance
from bot.slack.digest_delivery import DigestDelivery
from bot.slack.digest_settings import DigestSettings
from bot.slack.feedback import AnswerFeedback
from bot.slack.home_publisher import HomePublisher
from bot.slack.memory_commands import MemoryCommands
from bot.slack.notices import apologise
from bot.slack.profiles import Profiles
from bot.slack.who_knows import WhoKnows

log = logging.getLogger(__name__)

# The English wording, by the name it had before the catalogue (tests compare against it).
WAKING_UP = ENGLISH("notice.waking_up")


class Worker:
    def __init__(
        self,
        *,
        slack: WebClient,
        turn: Turn,
        suggestions: Suggestions,
        edits: MessageEdits,
        commands: MemoryCommands,
        home: HomePublisher,
        feedback: AnswerFeedback,
        maintenance: Maintenance,
        digests: DigestDelivery,
        digest_settings: DigestSettings,
        digest_fan_out: DigestFanOut,
        claims: EventClaims,
        profiles: Profiles,
        catch_up: CatchUp,
        who_knows: WhoKnows,
        database_ready: DatabaseReady = lambda **_: True,
        webhook: Callable[[str], WebhookClient] = WebhookClient,
    ) -> None:
        self._slack = slack
        self._profiles = profiles
        self._maintenance = maintenance
        self._digest_fan_out = digest_fan_out
        self._claims = claims
        self._database_ready = database_ready
        self._webhook = webhook
        self.handlers: dict[str, JobHandler] = {
            # conversation
            "reply": turn.reply,
            "assistant_started": suggestions.offer,
            "agent_opened": suggestions.offer,
            "message_edited": edits.edited,
            "message_deleted": edits.deleted,
            # memory commands
            "help": commands.help,
            "confirm_forget_all": commands.confirm_forget_all,
            "interests": commands.interests,
            "export": commands.export,
            "forget_all": commands.forget_all,
            "forget_words": commands.forget_words,
            "forget_one": commands.forget_one,
            "forget_message": commands.forget_message,
            "cancel_forget": commands.cancel_forget,
            "open_editor": commands.open_editor,
            "save_memory": commands.save_memory,
            # the Home tab
            "home": home.show,
            "set_learning": home.set_learning,
            "set_private_in_channels": home.set_private_in_channels,
            # answers
            "feedback": feedback.record,
            # working for the person: a private catch-up, who knows what
            "catch_up": catch_up.run,
            "who_knows": who_knows.find,
            "set_findable": who_knows.set_findable,
            # the installation
            "uninstalled": maintenance.uninstalled,
            # the tech digest
            "digest": digests.send,
            "set_digest": digest_settings.choose,
            "digest_less": digest_settings.less_of_this,
        }
        # A reply claims its event itself, after showing the person it is working and so that
        # it can still answer (without memories) when the database is down.
        self._claims_itself = {"reply"}
        # Nothing here needs the database before Slack's 3-second trigger_id runs out.
        self._unclaimed = {
            "open_editor",
            "cancel_forget",
            "assistant_started",
            "agent_opened",
            "help",
            "confirm_forget_all",
        }

    def run(self, job: Job, deadline: Deadline | None = None) -> None:
        """Run one job; `deadline` is when it must be over (Lambda's remaining time)."""
        token = deadlines.set_current(deadline or Deadline.after(deadlines.JOB_BUDGET_S))
        try:
            self._run(job)
        finally:
            deadlines.reset_current(token)

    def _run(self, job: Job) -> None:
        kind = job.get("kind")
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            log.error("unknown job kind", extra={"job_kind": kind})
            return
        started = time.perf_counter()
        claimed = kind not in self._claims_itself and kind not in self._unclaimed
        try:
            if claimed and not self._claims.first_time(job, self._waking_notice(job)):
                log.info("duplicate job ignored", extra=job_ids(job))
                return
            try:
                handler(job)
            finally:
                if claimed:
                    self._claims.finish(job)
        except Exception:  # noqa: BLE001 - the last line of defence: log, tell the person
            log.exception("job failed", extra=job_ids(job))
            apologise(self._slack, job, self._webhook, self._reader(job))
        finally:
            log.info(
                "job done",
                extra={**job_ids(job), "ms": round((time.perf_counter() - started) * 1000)},
            )

    def _waking_notice(self, job: Job) -> Callable[[], None] | None:
        """Tell someone waiting on a command that the database is resuming (Aurora takes
        15-30 s after a pause), rather than leaving them with silence."""
        url = job.get("response_url")
        if not url:
            return None

        def tell() -> None:
            try:
                text = self._reader(job)("notice.waking_up")
                self._webhook(url).send(text=text, response_type="ephemeral")
            except Exception:  # noqa: BLE001 - only a courtesy; the real answer follows
                log.debug("could not send the waking-up notice", exc_info=True)

        return tell

    def _reader(self, job: Job) -> Translator:
        """The person's language for a notice; English when even that can't be found out."""
        try:
            return self._profiles.of(job.get("user_id")).t
        except Exception:  # noqa: BLE001 - a notice in English beats no notice
            log.debug("could not look up the person's language", exc_info=True)
            return ENGLISH

    def sweep(self) -> int:
        """Expire memories past their TTL (the daily schedule)."""
        if not self._database_ready():
            raise ConnectionError("database not reachable")
        return self._maintenance.sweep()

    def digest(self, submit: JobHandler, **options: Any) -> FanOut:
        """Hand each person whose digest is due to `submit`, one job each (the hourly task;
        `options` as DigestFanOut.run takes them)."""
        if not self._database_ready():
            raise ConnectionError("database not reachable")
        return self._digest_fan_out.run(submit, **options)
