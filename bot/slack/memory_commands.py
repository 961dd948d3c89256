"""Memory commands: list and export (`/interests`), forget (`/forget`, the buttons, the message
shortcut) and the editor modal (edit, add).

Every one is addressed by the installation's scope and the user ID of whoever typed or clicked —
never by anything a button carries, so a forged key for someone else's memory finds nothing.
Answers go back through the `response_url` Slack gave, or a DM where there is none (modals).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.i18n.catalogue import Translator
from bot.jobs.freshness import issued_at
from bot.jobs.types import Job
from bot.memory.erasure import PurgeFailedJobs, forget_person, purge_failed_jobs
from bot.memory.installation import Installation
from bot.memory.schema import Memory, UserTechInterest
from bot.memory.service import MemoryService
from bot.memory.watermarks import Superseded
from bot.slack import block_kit, forget_words, memory_views
from bot.slack.home_publisher import HomePublisher
from bot.slack.profiles import Profiles
from bot.slack.urls import NO_UNFURLS

log = logging.getLogger(__name__)


class MemoryCommands:
    def __init__(
        self,
        *,
        slack: WebClient,
        memories: Callable[[], MemoryService],
        pool: Any,
        installation: Callable[[], Installation],
        webhook: Callable[[str], WebhookClient],
        home: HomePublisher,
        purge_failed: PurgeFailedJobs | None = None,
        profiles: Profiles,
    ) -> None:
        self._slack = slack
        self._memories = memories
        self._pool = pool
        self._installation = installation
        self._webhook = webhook
        self._home = home
        self._purge_failed = purge_failed
        self._profiles = profiles

    def _person(self, job: Job) -> tuple[str, str]:
        return self._installation().scope_id, job["user_id"]

    def _t(self, job: Job) -> Translator:
        """The words for whoever typed or clicked, in their Slack language."""
        return self._profiles.of(job["user_id"]).t

    # --- answered from the worker, because the ack can't know the person's language --------

    def help(self, job: Job) -> None:
        """Usage for a command: asked for, or a command or argument the bot doesn't know."""
        t = self._t(job)
        topic = job.get("topic")
        if topic == "interests":
            text = t("interests.help")
        elif topic == "interests_unknown":
            asked = t("interests.unknown", asked=job.get("asked") or "")
            text = f"{asked}\n\n{t('interests.help')}"
        elif topic == "forget":
            text = t("forget.help")
        elif topic == "forget_too_long":
            text = t("forget.too_long")
        else:
            text = t("command.unknown", command=job.get("asked") or "")
        self._respond(job, text=text)

    def confirm_forget_all(self, job: Job) -> None:
        """`/forget` alone: ask first. Nothing is erased until the button is clicked."""
        text, blocks = memory_views.forget_all_confirmation(self._t(job))
        self._respond(job, text=text, blocks=blocks)

    # --- listing -------------------------------------------------------------------------

    def interests(self, job: Job) -> None:
        scope, user = self._person(job)
        cursor = job.get("cursor")
        page = self._memories().page(scope, user, limit=memory_views.MESSAGE_PAGE, cursor=cursor)
        text, body = memory_views.interests(
            page.memories, page.total, page.next_cursor, first=not cursor, t=self._t(job)
        )
        # "Show more" replaces the page it was clicked on.
        self._respond(job, text=text, blocks=body, replace_original=bool(cursor))

    def export(self, job: Job) -> None:
        scope, user = self._person(job)
        memories = self._memories().list_all(scope, user)
        t = self._t(job)
        if not memories:
            self._respond(job, text=memory_views.interests([], 0, t=t)[0])
            return
        channel = self._slack.conversations_open(users=user)["channel"]["id"]
        self._slack.files_upload_v2(
            channel=channel,
            filename="memories.json",
            title=t("export.title"),
            content=json.dumps(
                {"user_id": user, "memories": [_export(m) for m in memories]},
                indent=2,
                ensure_ascii=False,
            ),
            initial_comment=t("export.comment"),
        )
        self._respond(job, text=t.plural("export.sent", len(memories)))

    # --- forgetting ----------------------------------------------------------------------

    def forget_all(self, job: Job) -> None:
        scope, user = self._person(job)
        erased = forget_person(
            self._pool, scope, user, keep_settings=True, requested_at=issued_at(job)
        )
        self._respond(
            job,
            text=memory_views.forgot_all(erased.memories, erased.settings_kept, self._t(job)),
            replace_original=True,
        )
        self._home.publish_quietly(scope, user)
        # After the answer: the person needn't wait for the queue.
        purge_failed_jobs(self._purge_failed, erased)

    def forget_words(self, job: Job) -> None:
        scope, user = self._person(job)
        found = self._memories().forget_matching(scope, user, job["words"])
        text, body = forget_words.answer(self._t(job), job["words"], found.forgotten, found.offered)
        self._respond(job, text=text, blocks=body)
        if found.forgotten:
            self._home.publish_quietly(scope, user)

    def forget_one(self, job: Job) -> None:
        scope, user = self._person(job)
        gone = self._memories().forget_one(scope, user, job["key"])
        if job.get("response_url"):
            t = self._t(job)
            page = self._memories().page(scope, user, limit=memory_views.MESSAGE_PAGE)
            text, body = memory_views.interests(page.memories, page.total, page.next_cursor, t=t)
            note = memory_views.forgot_one(gone, t)
            self._respond(
                job,
                text=f"{note} {text}",
                blocks=[block_kit.context(note), *body],
                replace_original=True,
            )
        self._home.publish_quietly(scope, user)

    def forget_message(self, job: Job) -> None:
        """The message shortcut: take back what one of the person's own messages taught."""
        if job.get("author_id") != job["user_id"]:
            self._respond(job, text=self._t(job)("forget.not_yours"))
            return
        scope, user = self._person(job)
        forgotten = self._memories().forget_from_message(
            scope, user, job["message_channel"], job["message_ts"]
        )
        self._respond(job, text=memory_views.forgot_from_message(forgotten, self._t(job)))
        if forgotten:
            self._home.publish_quietly(scope, user)

    def cancel_forget(self, job: Job) -> None:
        self._respond(job, text=self._t(job)("forget.cancelled"), replace_original=True)

    # --- correcting ----------------------------------------------------------------------

    def open_editor(self, job: Job) -> None:
        """Opened from the worker, not the ack: the memory is read from the clicker's own
        namespace. Slack's trigger_id lives 3 s, which a warm worker meets easily."""
        memory = None
        t = self._t(job)
        if job.get("key"):
            scope, user = self._person(job)
            memory = self._memories().get(scope, user, job["key"])
            if memory is None:
                self._tell(job, t("editor.gone"))
                return
        view = memory_views.editor(memory, from_home=bool(job.get("from_home")), t=t)
        self._slack.views_open(trigger_id=job["trigger_id"], view=view)

    def save_memory(self, job: Job) -> None:
        scope, user = self._person(job)
        fields = job["fields"]
        key = fields.get("key") or None
        if key and self._memories().get(scope, user, key) is None:
            self._tell(job, self._t(job)("editor.erased_meanwhile"))
            return
        content = UserTechInterest(
            topic=fields["topic"],
            category=fields.get("category"),
            interest_level=fields.get("interest_level"),
            description=fields.get("description"),
        )
        try:
            memory = self._memories().save(
                scope,
                user,
                content,
                private=bool(fields["private"]),
                key=key,
                issued_at=issued_at(job),
            )
        except Superseded:
            # Submitted before the person erased everything (a retry, or a replay): the
            # erasure stands. What they see (Home, /interests) says so already.
            log.info(
                "editor save predates the person's erasure; not saved", extra={"user_id": user}
            )
            return
        log.info("memory saved from the editor", extra={"user_id": user, "added": key is None})
        self._home.publish_quietly(scope, user)
        if not fields.get("from_home"):
            self._tell(job, memory_views.saved(memory, added=key is None, t=self._t(job)))

    # --- talking back --------------------------------------------------------------------

    def _respond(self, job: Job, **payload: Any) -> None:
        url = job.get("response_url")
        if not url:
            return
        payload.setdefault("response_type", "ephemeral")
        response = self._webhook(url).send(**payload, **NO_UNFURLS)
        if response.status_code != 200:
            log.warning("response_url answered %s", response.status_code)

    def _tell(self, job: Job, text: str) -> None:
        """Where there is no response_url (modals, the Home tab): a DM from the bot."""
        if job.get("response_url"):
            self._respond(job, text=text)
        else:
            self._slack.chat_postMessage(channel=job["user_id"], text=text, **NO_UNFURLS)


def _export(memory: Memory) -> dict[str, Any]:
    return {
        "key": memory.key,
        "topic": memory.topic,
        "category": memory.category,
        "interest_level": memory.interest_level,
        "description": memory.description,
        "private": memory.private,
        "sources": [s.to_dict() for s in memory.sources],
        "updated_at": memory.updated_at.isoformat() if memory.updated_at else None,
    }
