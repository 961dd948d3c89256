"""What the person is told when something fails, wherever it fails (kept light: the ack path
uses it too)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.slack.urls import NO_UNFURLS

log = logging.getLogger(__name__)

# When any step of an answer fails, or the model does (bot/slack/delivery.py says it there).
APOLOGY = (
    "Sorry, something went wrong while I was working on an answer. Please try again in a moment."
)
MEMORY_DOWN = (
    "Sorry, I can't reach my memory right now, so nothing was shown or changed. "
    "Please try again in a minute."
)


_TOLD_BY_DM = {"save_memory", "open_editor", "set_learning", "set_private_in_channels"}


def apologise(
    slack: WebClient,
    job: dict[str, Any],
    webhook: Callable[[str], WebhookClient] = WebhookClient,
) -> None:
    """Tell the person a job failed, in the place they expect an answer."""
    try:
        if job.get("kind") == "reply":
            slack.chat_postMessage(
                channel=job["channel"],
                thread_ts=job.get("reply_thread_ts"),
                text=APOLOGY,
                **NO_UNFURLS,
            )
        elif job.get("response_url"):
            webhook(job["response_url"]).send(text=MEMORY_DOWN, response_type="ephemeral")
        elif job.get("kind") in _TOLD_BY_DM and job.get("user_id"):
            # Modals and the Home tab have no response_url: the app's DM is where they hear.
            slack.chat_postMessage(channel=job["user_id"], text=MEMORY_DOWN, **NO_UNFURLS)
    except Exception:  # noqa: BLE001 - nothing left to tell them with
        log.exception(
            "could not tell the person about the failure", extra={"job_kind": job.get("kind")}
        )
