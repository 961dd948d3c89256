"""Jobs built from Slack's payloads on the ack path: what the worker needs, and no more.

Kept free of anything slow to import: these run before Slack has its ack.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.jobs.limits import MAX_JOB_TEXT_CHARS
from bot.jobs.types import Job

# Only what the worker needs to fetch a file travels with the job (Lambda payloads are capped).
_FILE_FIELDS = (
    "id", "name", "title", "mimetype", "filetype", "size",
    "url_private_download", "url_private", "file_access", "mode",
)  # fmt: skip
MAX_JOB_FILES = 10


def reply_job(body: dict, event: dict, context: BoltContext, *, reply_thread_ts: str | None) -> Job:
    """A DM or a mention to answer."""
    text = event.get("text") or ""
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
        "in_dm": event.get("channel_type") == "im",
        # The worker cuts the model's input further; this only keeps the job small.
        "text": text[:MAX_JOB_TEXT_CHARS],
        "files": [_file_fields(f) for f in (event.get("files") or [])[:MAX_JOB_FILES]],
        "bot_user_id": bot_user_id(body, context),
    }


def revision_job(kind: str, body: dict, event: dict, message: dict, **fields: Any) -> Job:
    """An edit or deletion of a person's message, addressed to its author's memories."""
    return {
        "kind": kind,
        "event_key": f"event:{body.get('event_id') or event.get('event_ts')}",
        "team_id": message.get("team") or body.get("team_id"),
        "user_id": message["user"],
        "channel": event["channel"],
        "channel_type": event.get("channel_type"),
        # The original message's ts: what its memories name as their source.
        "message_ts": event.get("deleted_ts") or message["ts"],
        **fields,
    }


def viewed_channel(event: dict) -> str | None:
    """The channel the person is viewing, from an agent event's context (most relevant first)."""
    entities = (event.get("context") or {}).get("entities") or []
    for entity in entities:
        if isinstance(entity, dict) and entity.get("type") == "slack#/types/channel_id":
            return entity.get("value") or None
    return None


def event_job(kind: str, body: dict, **fields: Any) -> Job:
    """An Events API event other than a message (Home opened, uninstalled, …)."""
    return {**identity(body), "kind": kind, "event_key": f"event:{body.get('event_id')}", **fields}


def memory_job(kind: str, body: dict) -> Job:
    """A command, click, modal submission or shortcut about the person's memories."""
    trigger = body.get("trigger_id") or body.get("event_id") or ""
    return {
        **identity(body),
        "kind": kind,
        "event_key": f"{kind}:{trigger}",
        "response_url": body.get("response_url"),
        "from_home": (body.get("container") or {}).get("type") == "view"
        or (body.get("view") or {}).get("type") == "home",
    }


def identity(body: dict) -> dict[str, Any]:
    """Who sent or clicked, and from which workspace, wherever the payload type keeps it."""
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


def bot_user_id(body: dict, context: BoltContext) -> str | None:
    """The bot's own user ID: Slack names it in every event's authorizations, so no
    auth.test is needed to know it."""
    if context.bot_user_id:
        return context.bot_user_id
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot"):
            return authorization.get("user_id")
    return None


def scope_from_payload(body: dict[str, Any]) -> str | None:
    """The installation scope an `app_uninstalled` / `tokens_revoked` event speaks for.

    Those arrive after the token is revoked, so `auth.test` can't be asked; the event's own
    authorization names the installation (org-wide: the enterprise, else the team).
    """
    authorizations = body.get("authorizations") or [{}]
    first = authorizations[0] if isinstance(authorizations[0], dict) else {}
    org_wide = bool(first.get("is_enterprise_install") or body.get("is_enterprise_install"))
    enterprise_id = first.get("enterprise_id") or body.get("enterprise_id")
    team_id = first.get("team_id") or body.get("team_id")
    return (enterprise_id if org_wide and enterprise_id else team_id) or None


def _file_fields(file: Any) -> dict[str, Any]:
    return {k: file[k] for k in _FILE_FIELDS if k in file} if isinstance(file, dict) else {}
