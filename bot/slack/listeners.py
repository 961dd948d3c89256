"""Bolt listeners: acknowledge at once, then hand anything slow to the worker as a job.

Nothing here calls OpenAI or the database: Slack needs its ack within 3 seconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.jobs.dispatch import Job
from bot.jobs.limits import MAX_JOB_TEXT_CHARS
from bot.memory.installation import scope_from_payload
from bot.slack import answer_blocks, memory_views
from bot.slack.notices import apologise

log = logging.getLogger(__name__)

Submit = Callable[[Job], None]

# Message subtypes that carry something a person wrote; edits, deletions, joins, bot posts and
# the rest are not conversation.
_CONVERSATIONAL_SUBTYPES = {None, "file_share", "thread_broadcast"}

FORGET_HELP = (
    "*/forget* — erase what I remember about you\n"
    "• `/forget` — erase everything (I'll ask you to confirm)\n"
    "• `/forget <words>` — erase only memories about those words, e.g. `/forget rust`\n"
    "• `/interests` — see what I remember first"
)


def register(app: App, submit: Submit, client: WebClient) -> None:
    submit = _guarded(submit, client)

    @app.middleware
    def log_request(body: dict, next_: Callable[[], Any]) -> Any:
        # Identifiers only: message text and memories never reach INFO logs.
        identity = _identity(body)
        log.info(
            "slack request",
            extra={
                "event_id": body.get("event_id"),
                "request_type": body.get("type") or body.get("command"),
                "team_id": identity["team_id"],
                "user_id": identity["user_id"],
            },
        )
        return next_()

    @app.event("app_mention")
    def on_mention(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
        ack()
        if _from_a_bot(event, body, context):
            return
        thread_ts = event.get("thread_ts")
        submit(_reply_job(body, event, context, reply_thread_ts=thread_ts or event["ts"]))

    @app.event("message")
    def on_message(ack: Ack, body: dict, event: dict, context: BoltContext) -> None:
        ack()
        if (
            event.get("channel_type") != "im"
            or event.get("subtype") not in _CONVERSATIONAL_SUBTYPES
        ):
            return
        if _from_a_bot(event, body, context):
            return
        submit(_reply_job(body, event, context, reply_thread_ts=event.get("thread_ts")))

    @app.command("/interests")
    def on_interests(ack: Ack, body: dict, command: dict) -> None:
        arg = (command.get("text") or "").strip().lower()
        if arg == "help":
            ack(text=memory_views.INTERESTS_HELP)
            return
        if arg not in ("", "export"):
            ack(text=f"I don't know `/interests {_clip(arg)}`.\n\n{memory_views.INTERESTS_HELP}")
            return
        ack()
        submit(_memory_job("export" if arg == "export" else "interests", body))

    @app.command("/forget")
    def on_forget(ack: Ack, body: dict, command: dict) -> None:
        words = " ".join((command.get("text") or "").split())
        if words.lower() == "help":
            ack(text=FORGET_HELP)
        elif not words:
            text, confirmation = memory_views.forget_all_confirmation()
            ack(text=text, blocks=confirmation)
        elif len(words) > 200:
            ack(text="That's a lot of words. Try a topic, like `/forget kubernetes`.")
        else:
            ack(text=f"Looking for memories about “{words}”…")
            submit({**_memory_job("forget_words", body), "words": words})

    @app.action(memory_views.FORGET_ALL_CONFIRM)
    def on_forget_all(ack: Ack, body: dict) -> None:
        ack()
        submit(_memory_job("forget_all", body))

    @app.action(memory_views.FORGET_ALL_CANCEL)
    def on_forget_cancel(ack: Ack, body: dict) -> None:
        ack()
        submit(_memory_job("cancel_forget", body))

    @app.action(memory_views.FORGET_ONE)
    def on_forget_one(ack: Ack, body: dict, action: dict) -> None:
        ack()
        key = str(action.get("value") or "")
        if key:
            submit({**_memory_job("forget_one", body), "key": key})

    @app.action(memory_views.LEARNING_TOGGLE)
    def on_learning_toggle(ack: Ack, body: dict, action: dict) -> None:
        ack()
        submit({**_memory_job("set_learning", body), "enabled": _switched_on(action)})

    @app.action(memory_views.PRIVATE_IN_CHANNELS_TOGGLE)
    def on_private_toggle(ack: Ack, body: dict, action: dict) -> None:
        ack()
        job = _memory_job("set_private_in_channels", body)
        submit({**job, "enabled": _switched_on(action)})

    @app.action(memory_views.INTERESTS_PAGE)
    def on_interests_page(ack: Ack, body: dict, action: dict) -> None:
        ack()
        submit({**_memory_job("interests", body), "cursor": str(action.get("value") or "")})

    @app.action(memory_views.HOME_PAGE)
    def on_home_page(ack: Ack, body: dict, action: dict) -> None:
        ack()
        submit({**_memory_job("home", body), "cursor": str(action.get("value") or "")})

    @app.action(memory_views.EDIT_MEMORY)
    @app.action(memory_views.ADD_MEMORY)
    def on_edit(ack: Ack, body: dict, action: dict) -> None:
        ack()
        key = (
            str(action.get("value") or "")
            if action.get("action_id") == memory_views.EDIT_MEMORY
            else ""
        )
        submit(
            {**_memory_job("open_editor", body), "key": key, "trigger_id": body.get("trigger_id")}
        )

    @app.action(answer_blocks.FEEDBACK_ACTIONS)
    def on_feedback(ack: Ack, body: dict, action: dict) -> None:
        ack()
        container = body.get("container") or {}
        submit(
            {
                **_memory_job("feedback", body),
                "value": action.get("value"),
                "channel": container.get("channel_id") or (body.get("channel") or {}).get("id"),
                "answer_ts": container.get("message_ts") or (body.get("message") or {}).get("ts"),
                "thread_ts": container.get("thread_ts"),
            }
        )

    @app.view(memory_views.MEMORY_EDITOR)
    def on_editor_submit(ack: Ack, body: dict, view: dict) -> None:
        fields, errors = memory_views.read_editor(view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        submit({**_memory_job("save_memory", body), "fields": fields})

    @app.shortcut(memory_views.FORGET_FROM_MESSAGE)
    def on_forget_from_message(ack: Ack, body: dict) -> None:
        ack()
        message = body.get("message") or {}
        submit(
            {
                **_memory_job("forget_message", body),
                "author_id": message.get("user"),
                "message_ts": message.get("ts"),
                "message_channel": (body.get("channel") or {}).get("id"),
            }
        )

    @app.event("app_uninstalled")
    def on_uninstalled(ack: Ack, body: dict) -> None:
        ack()
        submit(_event_job("uninstalled", body, scope_id=scope_from_payload(body)))

    @app.event("tokens_revoked")
    def on_tokens_revoked(ack: Ack, body: dict, event: dict) -> None:
        ack()
        # Only the bot token holds the installation; revoked user tokens change nothing here.
        if (event.get("tokens") or {}).get("bot"):
            submit(_event_job("uninstalled", body, scope_id=scope_from_payload(body)))

    @app.event("app_home_opened")
    def on_home(ack: Ack, body: dict, event: dict) -> None:
        ack()
        if event.get("tab", "home") == "home":
            submit(_event_job("home", body))

    @app.event("assistant_thread_started")
    def on_assistant_thread(ack: Ack, body: dict, event: dict) -> None:
        ack()
        thread = event.get("assistant_thread") or {}
        job = _event_job(
            "assistant_started",
            body,
            channel=thread.get("channel_id"),
            thread_ts=thread.get("thread_ts"),
        )
        job["user_id"] = thread.get("user_id") or job["user_id"]
        submit(job)

    # Bolt answers 404 to requests no listener matches, and Slack then retries and eventually
    # disables event delivery. Everything the bot doesn't use is acknowledged and dropped.
    anything = re.compile(".*")

    for kind in (app.event, app.action, app.view, app.shortcut):
        kind(anything)(_ack_only)

    @app.command(anything)
    def ignore_command(ack: Ack, command: dict) -> None:
        ack(text=f"I don't handle `{_clip(command.get('command') or '')}`.")

    @app.options(anything)
    def ignore_options(ack: Ack) -> None:
        ack(options=[])

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        log.error("listener failed: %s", type(error).__name__, exc_info=error)


def _ack_only(ack: Ack) -> None:
    ack()


# Only what the worker needs to fetch a file travels with the job (Lambda payloads are capped).
_FILE_FIELDS = (
    "id", "name", "title", "mimetype", "filetype", "size",
    "url_private_download", "url_private", "file_access", "mode",
)  # fmt: skip
MAX_JOB_FILES = 10


def _file_fields(file: Any) -> dict[str, Any]:
    return {k: file[k] for k in _FILE_FIELDS if k in file} if isinstance(file, dict) else {}


def _switched_on(action: dict) -> bool:
    return any(o.get("value") == "on" for o in action.get("selected_options") or [])


def _guarded(submit: Submit, client: WebClient) -> Submit:
    """A hand-off that fails (e.g. Lambda refusing the async invoke) still gets an answer."""

    def hand_off(job: Job) -> None:
        try:
            submit(job)
        except Exception:  # noqa: BLE001 - never let it escape a listener
            log.exception("could not hand the job over", extra={"job_kind": job.get("kind")})
            # Without a bot token (Lambda's public function) only a response_url can carry it.
            if client.token or job.get("response_url"):
                apologise(client, job)

    return hand_off


def _from_a_bot(event: dict, body: dict, context: BoltContext) -> bool:
    user = event.get("user")
    return (
        bool(event.get("bot_id") or event.get("bot_profile"))
        or not user
        or (user == _bot_user_id(body, context))
    )


def _bot_user_id(body: dict, context: BoltContext) -> str | None:
    """The bot's own user ID: Slack names it in every event's authorizations, so no
    auth.test is needed to know it."""
    if context.bot_user_id:
        return context.bot_user_id
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot"):
            return authorization.get("user_id")
    return None


def _reply_job(
    body: dict, event: dict, context: BoltContext, *, reply_thread_ts: str | None
) -> Job:
    text = event.get("text") or ""
    in_dm = event.get("channel_type") == "im"
    return {
        "kind": "reply",
        "event_key": f"event:{body.get('event_id') or event.get('client_msg_id') or event['ts']}",
        # The person's own workspace, which Slack wants with a stream; memories are addressed
        # by the installation's scope instead (resolved by the worker).
        "team_id": event.get("user_team") or event.get("team") or body.get("team_id"),
        "user_id": event["user"],
        "channel": event["channel"],
        "channel_type": event.get("channel_type"),
        "message_ts": event["ts"],
        "thread_ts": event.get("thread_ts"),
        "reply_thread_ts": reply_thread_ts,
        "in_dm": in_dm,
        # The worker cuts the model's input further; this only keeps the job small.
        "text": text[:MAX_JOB_TEXT_CHARS],
        "files": [_file_fields(f) for f in (event.get("files") or [])[:MAX_JOB_FILES]],
        "bot_user_id": _bot_user_id(body, context),
    }


def _identity(body: dict) -> dict[str, Any]:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    if not user_id:
        user_id = (body.get("event") or {}).get("user")
    team = body.get("team")
    team_id = (
        body.get("team_id")
        or (team.get("id") if isinstance(team, dict) else None)
        or (user.get("team_id") if isinstance(user, dict) else None)
    )
    return {"team_id": team_id, "user_id": user_id}


def _event_job(kind: str, body: dict, **fields: Any) -> Job:
    return {**_identity(body), "kind": kind, "event_key": f"event:{body.get('event_id')}", **fields}


def _memory_job(kind: str, body: dict) -> Job:
    trigger = body.get("trigger_id") or body.get("event_id") or ""
    return {
        **_identity(body),
        "kind": kind,
        "event_key": f"{kind}:{trigger}",
        "response_url": body.get("response_url"),
        "from_home": (body.get("container") or {}).get("type") == "view"
        or (body.get("view") or {}).get("type") == "home",
    }


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
