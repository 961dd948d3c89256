"""Signed Slack requests, built the way Slack builds them, for driving the real Bolt app."""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

_ids = itertools.count(1)


def signed_headers(body: str, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }


def event_body(
    event: dict, *, team_id: str, api_app_id: str = "A1", event_id: str | None = None
) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": team_id,
            "api_app_id": api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
        }
    )


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


def dm_event(user: str, text: str, *, team_id: str, channel: str = "D1", **extra) -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": extra.pop("ts", None) or new_ts(),
        "team": team_id,
        **extra,
    }


def mention_event(user: str, text: str, *, team_id: str, channel: str = "C1", **extra) -> dict:
    return {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@UBOT> {text}",
        "ts": extra.pop("ts", None) or new_ts(),
        "team": team_id,
        **extra,
    }


def command_body(command: str, text: str, *, user: str, team_id: str, response_url: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": team_id,
            "team_domain": "example",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": f"trig.{next(_ids)}",
        }
    )


def action_body(
    action_id: str,
    *,
    user: str,
    team_id: str,
    response_url: str | None,
    value: str | None = None,
    selected_options: list[dict] | None = None,
    container: str = "message",
) -> str:
    action = {"action_id": action_id, "block_id": "b1", "type": "button", "action_ts": new_ts()}
    if value is not None:
        action["value"] = value
    if selected_options is not None:
        action.update(type="checkboxes", selected_options=selected_options)
    payload = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user, "team_id": team_id, "username": user.lower()},
        "api_app_id": "A1",
        "trigger_id": f"trig.{next(_ids)}",
        "container": {"type": "view" if container == "home" else "message"},
        "actions": [action],
    }
    if response_url:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(
    *, user: str, team_id: str, view: dict, values: dict[str, dict], trigger: str | None = None
) -> str:
    """A modal's submission, with `values` as {block_id: {"value": ..., ...}} per input."""
    state = {"values": {block: {"value": value} for block, value in values.items()}}
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user, "team_id": team_id, "username": user.lower()},
        "api_app_id": "A1",
        "trigger_id": trigger or f"trig.{next(_ids)}",
        "view": {**view, "id": "V1", "state": state, "type": "modal"},
    }
    return urlencode({"payload": json.dumps(payload)})


def message_shortcut_body(
    callback_id: str,
    *,
    user: str,
    team_id: str,
    message: dict,
    channel: str,
    response_url: str,
) -> str:
    payload = {
        "type": "message_action",
        "callback_id": callback_id,
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user, "team_id": team_id, "name": user.lower()},
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", **message},
        "message_ts": message["ts"],
        "response_url": response_url,
        "trigger_id": f"trig.{next(_ids)}",
        "action_ts": new_ts(),
    }
    return urlencode({"payload": json.dumps(payload)})


def message_changed_event(
    user: str,
    old_text: str,
    new_text: str,
    *,
    ts: str,
    team_id: str,
    channel: str = "D1",
    channel_type: str = "im",
    **message_fields,
) -> dict:
    """Slack's event for an edited message: `message.ts` is the original message's."""
    edited_at = new_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": channel_type,
        "ts": edited_at,
        "event_ts": edited_at,
        "message": {
            "type": "message",
            "user": user,
            "text": new_text,
            "team": team_id,
            "ts": ts,
            "edited": {"user": user, "ts": edited_at},
            **message_fields,
        },
        "previous_message": {
            "type": "message",
            "user": user,
            "text": old_text,
            "team": team_id,
            "ts": ts,
        },
    }


def message_deleted_event(
    user: str, text: str, *, ts: str, team_id: str, channel: str = "D1", channel_type: str = "im"
) -> dict:
    deleted_at = new_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "channel_type": channel_type,
        "deleted_ts": ts,
        "ts": deleted_at,
        "event_ts": deleted_at,
        "previous_message": {
            "type": "message",
            "user": user,
            "text": text,
            "team": team_id,
            "ts": ts,
        },
    }


def app_home_opened_event(
    user: str, *, tab: str = "messages", channel: str = "D1", viewing: str | None = None
) -> dict:
    """The agent experience's "opened the DM" (tab messages) or the Home tab (tab home);
    `viewing` is the channel Slack says the person has open (its context entities)."""
    event = {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab}
    event["event_ts"] = new_ts()
    if viewing:
        entity = {"type": "slack#/types/channel_id", "value": viewing, "team_id": "T1"}
        event["context"] = {"entities": [entity]}
    return event
