"""Suggested prompts for the person's DM with the bot, made from what it remembers about them.

Slack shows them only to that person, so any memory of theirs may be named, private ones too.
In the agent experience (`features.agent_view`) they are pinned to the DM's Messages tab:
`assistant.threads.setSuggestedPrompts` with the DM's channel and no `thread_ts` (a `thread_ts`
makes the call fail silently there). Installs still on the assistant experience set them per
assistant thread, with its `thread_ts`. When Slack says which channel the person is looking at,
two of the prompts are about that channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n.catalogue import Translator
from bot.jobs.types import Job
from bot.logs import job_ids
from bot.memory.installation import Installation
from bot.memory.schema import Memory
from bot.memory.service import MemoryService
from bot.slack.profiles import Profiles
from bot.text import clip

log = logging.getLogger(__name__)

# Slack shows at most four suggested prompts.
MAX_PROMPTS = 4
# How many top interests "What should I learn next?" names.
NEXT_TOPICS = 3
# A topic is cut to this inside a prompt's title, which Slack shows on one short line.
TOPIC_CHARS = 40
_OLDEST = datetime.min.replace(tzinfo=UTC)

Prompt = dict[str, str]


@dataclass(frozen=True)
class ViewedChannel:
    """The channel the person has open beside the bot, and (if any) the memories from there."""

    id: str
    name: str


def top_interests(memories: Sequence[Memory]) -> list[Memory]:
    """Most interested first (by interest level), the most recently learned among equals."""
    return sorted(
        memories,
        key=lambda m: (
            m.interest_level if m.interest_level is not None else -1,
            m.updated_at or _OLDEST,
        ),
        reverse=True,
    )


def personal_prompts(
    interests: Sequence[Memory], t: Translator, channel: ViewedChannel | None = None
) -> list[Prompt]:
    """Up to four prompts: about the viewed channel first, then the person's top interests;
    a friendly generic set for someone the bot knows nothing about yet."""
    ranked = top_interests(interests)
    topics = _distinct_topics(ranked)
    prompts: list[Prompt] = []
    if channel is not None:
        prompts.append(_prompt(t, "catch_up", channel=channel.name, channel_id=channel.id))
        learned_there = _distinct_topics(
            [m for m in ranked if any(s.channel == channel.id for s in m.sources)]
        )
        for topic in (learned_there or topics)[:1]:
            where = {"channel": channel.name, "channel_id": channel.id}
            prompts.append(_prompt(t, "channel_topic", topic=topic, **where))
    if topics:
        prompts.append(_prompt(t, "news", topic=topics[0]))
        if len(topics) > 1:
            prompts.append(_prompt(t, "pair", topic=topics[0], other=topics[1]))
        prompts.append(_prompt(t, "next", topics=t.listing(topics[:NEXT_TOPICS])))
        prompts.append(_same(t("assistant.prompt_remember")))
    else:
        prompts.append(_same(t("assistant.prompt_remember")))
        prompts.append(_prompt(t, "topics"))
        prompts.append(_prompt(t, "intro"))
        prompts.append(_prompt(t, "trends"))
    return _unique(prompts)[:MAX_PROMPTS]


class Suggestions:
    """Sets the personalised prompts of one DM (agent experience) or assistant thread."""

    def __init__(
        self,
        *,
        slack: WebClient,
        memories: Callable[[], MemoryService],
        installation: Callable[[], Installation],
        profiles: Profiles,
    ) -> None:
        self._slack = slack
        self._memories = memories
        self._installation = installation
        self._profiles = profiles

    def offer(self, job: Job) -> None:
        user = job.get("user_id")
        if not user:
            return
        t = self._profiles.of(user).t
        dm = job.get("channel") or self._open_dm(user, job)
        if not dm:
            return
        prompts = personal_prompts(self._interests(user, job), t, self._viewed(job))
        try:
            self._slack.assistant_threads_setSuggestedPrompts(
                channel_id=dm,
                # Only the assistant experience names a thread; the agent experience must not.
                thread_ts=job.get("thread_ts") or None,
                title=t("assistant.prompts_title"),
                prompts=prompts,
            )
        except SlackApiError as exc:
            # Only suggestions: the person can still type. Nothing to apologise for.
            log.warning(
                "could not set suggested prompts: %s", exc.response.get("error"), extra=job_ids(job)
            )

    def _interests(self, user: str, job: Job) -> list[Memory]:
        try:
            return self._memories().list_all(self._installation().scope_id, user)
        except Exception:  # noqa: BLE001 - the generic prompts beat none
            log.exception("could not read memories for suggestions", extra=job_ids(job))
            return []

    def _viewed(self, job: Job) -> ViewedChannel | None:
        """The channel the person is viewing, when Slack said and it is a channel the bot can
        see; DMs and group DMs the bot isn't in have nothing to catch up on."""
        channel = job.get("context_channel")
        if not channel or channel == job.get("channel"):
            return None
        try:
            info = self._slack.conversations_info(channel=channel)["channel"]
        except SlackApiError:
            return None
        if info.get("is_im") or info.get("is_mpim") or not info.get("name"):
            return None
        return ViewedChannel(channel, str(info["name"]))

    def _open_dm(self, user: str, job: Job) -> str | None:
        """app_context_changed names no channel; the person's DM with the bot is asked for."""
        try:
            return self._slack.conversations_open(users=user)["channel"]["id"]
        except SlackApiError as exc:
            log.warning("could not open the DM: %s", exc.response.get("error"), extra=job_ids(job))
            return None


def _prompt(t: Translator, name: str, **values: str) -> Prompt:
    return {
        "title": t(f"assistant.prompt_{name}_title", **values),
        "message": t(f"assistant.prompt_{name}", **values),
    }


def _same(text: str) -> Prompt:
    return {"title": text, "message": text}


def _distinct_topics(memories: Sequence[Memory]) -> list[str]:
    seen: dict[str, str] = {}
    for memory in memories:
        seen.setdefault(memory.topic.casefold(), clip(" ".join(memory.topic.split()), TOPIC_CHARS))
    return list(seen.values())


def _unique(prompts: list[Prompt]) -> list[Prompt]:
    seen: set[str] = set()
    out = []
    for prompt in prompts:
        if prompt["title"] not in seen:
            seen.add(prompt["title"])
            out.append(prompt)
    return out
