"""Bolt listeners: acknowledge at once, then hand anything slow to the worker as a job.

Nothing here calls OpenAI, the database or Slack: Slack needs its ack within 3 seconds. So the
ack says nothing itself: the person reads the bot in their Slack language, which only
`users.info` tells, and even help texts come from the worker (through response_url). The one
exception is the memory editor's errors, which Slack takes only in the ack: the modal carries
the language it was opened in. Each listener is a plain function; `register` lists them all in
one table. The hand-over reaches them through Bolt's context (`context["submit"]`), set by a
middleware.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.jobs.limits import MAX_JOB_TEXT_CHARS
from bot.jobs.types import JobHandler
from bot.slack import answer_blocks, digest_views, memory_views, whoknows_views
from bot.slack.job_builders import (
    bot_user_id,
    event_job,
    identity,
    memory_job,
    reply_job,
    revision_job,
    scope_from_payload,
    viewed_channel,
)
from bot.slack.notices import apologise
from bot.text import clip

log = logging.getLogger(__name__)

Submit = JobHandler

# Message subtypes that carry something a person wrote; edits, deletions, joins, bot posts and
# the rest are not conversation.
_CONVERSATIONAL_SUBTYPES = {None, "file_share", "thread_broadcast"}
# Bolt answers 404 to requests no listener matches, and Slack then retries and eventually
# disables event delivery. Everything the bot doesn't use is acknowledged and dropped.
_ANYTHING = re.compile(".*")
MAX_FORGET_WORDS_CHARS = 200
# The message shortcut's callback_id (also in manifest.yml).
CATCH_ME_UP = "catch_me_up"


# --- middleware --------------------------------------------------------------------------


def log_request(body: dict, next_: Callable[[], Any]) -> Any:
    # Identifiers only: message text and memories never reach INFO logs.
    who = identity(body)
    log.info(
        "slack request",
        extra={
            "event_id": body.get("event_id"),
            "request_type": body.get("type") or body.get("command"),
            "team_id": who["team_id"],
            "user_id": who["user_id"],
        },
    )
    return next_()


def _submit(context: BoltContext) -> Submit:
    return context["submit"]


# --- conversation ------------------------------------------------------------------------


def on_mention(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    ack()
    if _from_a_bot(event, body, context):
        return
    thread_ts = event.get("thread_ts")
    _submit(context)(reply_job(body, event, context, reply_thread_ts=thread_ts or event["ts"]))


def on_message(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    ack()
    if event.get("channel_type") != "im" or event.get("subtype") not in _CONVERSATIONAL_SUBTYPES:
        return
    if _from_a_bot(event, body, context):
        return
    _submit(context)(reply_job(body, event, context, reply_thread_ts=event.get("thread_ts")))


def on_assistant_thread(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    """The legacy assistant experience: a thread started, or the person switched channels."""
    ack()
    thread = event.get("assistant_thread") or {}
    job = event_job(
        "assistant_started",
        body,
        channel=thread.get("channel_id"),
        thread_ts=thread.get("thread_ts"),
        context_channel=(thread.get("context") or {}).get("channel_id"),
    )
    job["user_id"] = thread.get("user_id") or job["user_id"]
    _submit(context)(job)


def on_app_context_changed(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    """The agent experience: the person, with the bot open, is now viewing another channel."""
    ack()
    job = event_job("agent_opened", body, channel=None, context_channel=viewed_channel(event))
    if job["user_id"]:
        _submit(context)(job)


def on_message_edited(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    ack()
    message = event.get("message") or {}
    previous = event.get("previous_message") or {}
    author = previous.get("user")
    if (
        message.get("user", author) != author
        or message.get("subtype") not in _CONVERSATIONAL_SUBTYPES
        or (message.get("text") or "") == (previous.get("text") or "")  # an unfurl, a reply
        or not _taught_the_bot(event, previous, body, context)
        or _from_a_bot({**previous, **message}, body, context)  # the new version may omit user
    ):
        return
    text = (message.get("text") or "")[:MAX_JOB_TEXT_CHARS]
    _submit(context)(revision_job("message_edited", body, event, previous, text=text))


def on_message_deleted(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    ack()
    previous = event.get("previous_message") or {}
    if _taught_the_bot(event, previous, body, context):
        _submit(context)(revision_job("message_deleted", body, event, previous))


def on_feedback(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    container = body.get("container") or {}
    _submit(context)(
        {
            **memory_job("feedback", body),
            "value": action.get("value"),
            "channel": container.get("channel_id") or (body.get("channel") or {}).get("id"),
            "answer_ts": container.get("message_ts") or (body.get("message") or {}).get("ts"),
            "thread_ts": container.get("thread_ts"),
        }
    )


# --- memory commands ---------------------------------------------------------------------


def on_interests(ack: Ack, body: dict, command: dict, context: BoltContext) -> None:
    ack()
    arg = (command.get("text") or "").strip().lower()
    if arg == "help":
        job = _help_job(body, "interests")
    elif digest_views.is_digest_command(arg):
        # Answered by the worker, in the person's language, with their time zone.
        job = {**memory_job("set_digest", body), "frequency": digest_views.parse_command(arg)}
    elif arg.split()[:1] == ["share"]:
        job = _sharing_job(body, arg.split()[1:])
    elif arg not in ("", "export"):
        job = _help_job(body, "interests_unknown", asked=clip(arg, 60))
    else:
        job = memory_job("export" if arg == "export" else "interests", body)
    _submit(context)(job)


def on_forget(ack: Ack, body: dict, command: dict, context: BoltContext) -> None:
    ack()
    words = " ".join((command.get("text") or "").split())
    if words.lower() == "help":
        job = _help_job(body, "forget")
    elif not words:
        job = memory_job("confirm_forget_all", body)
    elif len(words) > MAX_FORGET_WORDS_CHARS:
        job = _help_job(body, "forget_too_long")
    else:
        job = {**memory_job("forget_words", body), "words": words}
    _submit(context)(job)


def _sharing_job(body: dict, words: list[str]) -> dict[str, Any]:
    """`/interests share on|off` switches; `share` alone (or anything else) says how it stands."""
    enabled = {"on": True, "off": False}.get(words[0]) if len(words) == 1 else None
    return {**memory_job("set_findable", body), "enabled": enabled}


def on_who_knows(ack: Ack, body: dict, command: dict, context: BoltContext) -> None:
    ack()
    # One character over the limit travels, so the worker can say it was too long.
    topic = " ".join((command.get("text") or "").split())[: whoknows_views.MAX_TOPIC_CHARS + 1]
    _submit(context)({**memory_job("who_knows", body), "topic": topic})


def on_findable_toggle(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    _submit(context)({**memory_job("set_findable", body), "enabled": _switched_on(action)})


def on_catch_me_up(ack: Ack, body: dict, context: BoltContext) -> None:
    """The message shortcut: everything about the thread is read by the worker."""
    ack()
    message = body.get("message") or {}
    _submit(context)(
        {
            **memory_job("catch_up", body),
            "channel": (body.get("channel") or {}).get("id"),
            "message_ts": message.get("ts"),
            "thread_ts": message.get("thread_ts"),
            "bot_user_id": bot_user_id(body, context),
        }
    )


def _help_job(body: dict, topic: str, asked: str = "") -> dict[str, Any]:
    return {**memory_job("help", body), "topic": topic, "asked": asked}


def on_forget_all(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    _submit(context)(memory_job("forget_all", body))


def on_forget_cancel(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    _submit(context)(memory_job("cancel_forget", body))


def on_forget_one(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    key = str(action.get("value") or "")
    if key:
        _submit(context)({**memory_job("forget_one", body), "key": key})


def on_forget_from_message(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    message = body.get("message") or {}
    _submit(context)(
        {
            **memory_job("forget_message", body),
            "author_id": message.get("user"),
            "message_ts": message.get("ts"),
            "message_channel": (body.get("channel") or {}).get("id"),
        }
    )


def on_interests_page(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    _submit(context)({**memory_job("interests", body), "cursor": str(action.get("value") or "")})


def on_edit(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    """Edit (the button names the memory) or Add (it names none)."""
    ack()
    editing = action.get("action_id") == memory_views.EDIT_MEMORY
    key = str(action.get("value") or "") if editing else ""
    job = memory_job("open_editor", body)
    _submit(context)({**job, "key": key, "trigger_id": body.get("trigger_id")})


def on_editor_submit(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    fields, errors = memory_views.read_editor(view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    _submit(context)({**memory_job("save_memory", body), "fields": fields})


# --- the Home tab and settings -----------------------------------------------------------


def on_home(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    ack()
    tab = event.get("tab", "home")
    if tab == "home":
        _submit(context)(event_job("home", body))
    elif tab == "messages":  # the agent experience: the person opened their DM with the bot
        viewing = viewed_channel(event)
        job = event_job("agent_opened", body, channel=event.get("channel"), context_channel=viewing)
        _submit(context)(job)


def on_home_page(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    _submit(context)({**memory_job("home", body), "cursor": str(action.get("value") or "")})


def on_learning_toggle(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    _submit(context)({**memory_job("set_learning", body), "enabled": _switched_on(action)})


def on_private_toggle(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    job = memory_job("set_private_in_channels", body)
    _submit(context)({**job, "enabled": _switched_on(action)})


# --- the tech digest ---------------------------------------------------------------------


def on_digest_choice(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    """The Home tab's off / daily / weekly, or "Stop digests" under a digest."""
    ack()
    frequency = digest_views.chosen_frequency(action)
    if frequency:
        _submit(context)({**memory_job("set_digest", body), "frequency": frequency})


def on_digest_less(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
    ack()
    key = str(action.get("value") or "")
    if key:
        _submit(context)({**memory_job("digest_less", body), "key": key})


# --- the installation --------------------------------------------------------------------


def on_uninstalled(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    _submit(context)(event_job("uninstalled", body, scope_id=scope_from_payload(body)))


def on_tokens_revoked(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
    ack()
    # Only the bot token holds the installation; revoked user tokens change nothing here.
    if (event.get("tokens") or {}).get("bot"):
        _submit(context)(event_job("uninstalled", body, scope_id=scope_from_payload(body)))


# --- everything else ---------------------------------------------------------------------


def ack_only(ack: Ack) -> None:
    ack()


def ignore_command(ack: Ack, body: dict, command: dict, context: BoltContext) -> None:
    ack()
    asked = clip(command.get("command") or "", 60)
    _submit(context)(_help_job(body, "command_unknown", asked=asked))


def ignore_options(ack: Ack) -> None:
    ack(options=[])


def on_error(error: Exception, body: dict) -> None:
    log.error("listener failed: %s", type(error).__name__, exc_info=error)


# (Bolt listener kind, what it matches, the listener). Bolt runs the first match, so the
# catch-alls come last.
LISTENERS: tuple[tuple[str, Any, Callable[..., None]], ...] = (
    ("event", "app_mention", on_mention),
    ("event", {"type": "message", "subtype": "message_changed"}, on_message_edited),
    ("event", {"type": "message", "subtype": "message_deleted"}, on_message_deleted),
    ("event", "message", on_message),
    ("event", "assistant_thread_started", on_assistant_thread),
    ("event", "assistant_thread_context_changed", on_assistant_thread),
    ("event", "app_context_changed", on_app_context_changed),
    ("event", "app_home_opened", on_home),
    ("event", "app_uninstalled", on_uninstalled),
    ("event", "tokens_revoked", on_tokens_revoked),
    ("command", "/interests", on_interests),
    ("command", "/forget", on_forget),
    ("command", "/whoknows", on_who_knows),
    ("action", memory_views.FORGET_ALL_CONFIRM, on_forget_all),
    ("action", memory_views.FORGET_ALL_CANCEL, on_forget_cancel),
    ("action", memory_views.FORGET_ONE, on_forget_one),
    ("action", memory_views.INTERESTS_PAGE, on_interests_page),
    ("action", memory_views.EDIT_MEMORY, on_edit),
    ("action", memory_views.ADD_MEMORY, on_edit),
    ("action", memory_views.HOME_PAGE, on_home_page),
    ("action", memory_views.LEARNING_TOGGLE, on_learning_toggle),
    ("action", memory_views.PRIVATE_IN_CHANNELS_TOGGLE, on_private_toggle),
    ("action", answer_blocks.FEEDBACK_ACTIONS, on_feedback),
    ("action", digest_views.DIGEST_CHOICE, on_digest_choice),
    ("action", digest_views.DIGEST_STOP, on_digest_choice),
    ("action", digest_views.DIGEST_LESS, on_digest_less),
    ("view", memory_views.MEMORY_EDITOR, on_editor_submit),
    ("shortcut", memory_views.FORGET_FROM_MESSAGE, on_forget_from_message),
    ("action", whoknows_views.FINDABLE_TOGGLE, on_findable_toggle),
    ("shortcut", CATCH_ME_UP, on_catch_me_up),
    ("event", _ANYTHING, ack_only),
    ("action", _ANYTHING, ack_only),
    ("view", _ANYTHING, ack_only),
    ("shortcut", _ANYTHING, ack_only),
    ("command", _ANYTHING, ignore_command),
    ("options", _ANYTHING, ignore_options),
)


def register(app: App, submit: Submit, client: WebClient) -> None:
    hand_off = _guarded(submit, client)

    def provide_hand_off(context: BoltContext, next_: Callable[[], Any]) -> Any:
        context["submit"] = hand_off
        return next_()

    app.middleware(log_request)
    app.middleware(provide_hand_off)
    for kind, matcher, listener in LISTENERS:
        getattr(app, kind)(matcher)(listener)
    app.error(on_error)


def _guarded(submit: Submit, client: WebClient) -> Submit:
    """A hand-off that fails (e.g. Lambda refusing the async invoke) still gets an answer."""

    def hand_off(job: dict[str, Any]) -> None:
        try:
            submit(job)
        except Exception:  # noqa: BLE001 - never let it escape a listener
            log.exception("could not hand the job over", extra={"job_kind": job.get("kind")})
            if client.token:
                # Already failing, so one more Slack call to say it in the person's language.
                from bot.slack.profiles import Profiles

                apologise(client, job, t=Profiles(client).of(job.get("user_id")).t)
            elif job.get("response_url"):
                # Lambda's public function holds no bot token: only a response_url can carry it.
                apologise(client, job)

    return hand_off


def _switched_on(action: dict) -> bool:
    return any(o.get("value") == "on" for o in action.get("selected_options") or [])


def _taught_the_bot(event: dict, message: dict, body: dict, context: BoltContext) -> bool:
    """Whether the bot may have learned from this message of a person's: in its DM any, in a
    channel only one that mentioned it (it answers and learns from nothing else there)."""
    if not message.get("user") or _from_a_bot(message, body, context):
        return False
    if event.get("channel_type") == "im":
        return True
    bot = bot_user_id(body, context)
    return bool(bot) and f"<@{bot}" in (message.get("text") or "")


def _from_a_bot(event: dict, body: dict, context: BoltContext) -> bool:
    user = event.get("user")
    return (
        bool(event.get("bot_id") or event.get("bot_profile"))
        or not user
        or (user == bot_user_id(body, context))
    )
