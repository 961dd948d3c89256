"""What the person is told when something fails, wherever it fails (kept light: the ack path
uses it too)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.i18n.catalogue import ENGLISH, Translator
from bot.slack.urls import NO_UNFURLS

log = logging.getLogger(__name__)

# An answer's failure (any step, or the model: delivery.py says it there) is "notice.apology";
# a memory command's is "notice.memory_down". APOLOGY is the English wording, by the name it had
# before the catalogue (tests compare against it).
APOLOGY = ENGLISH("notice.apology")


_TOLD_BY_DM = {
    "save_memory",
    "open_editor",
    "set_learning",
    "set_private_in_channels",
    "set_digest",
}


def apologise(
    slack: WebClient,
    job: dict[str, Any],
    webhook: Callable[[str], WebhookClient] = WebhookClient,
    t: Translator = ENGLISH,
) -> None:
    """Tell the person a job failed, in the place they expect an answer, in their language."""
    try:
        if job.get("kind") == "reply":
            slack.chat_postMessage(
                channel=job["channel"],
                thread_ts=job.get("reply_thread_ts"),
                text=t("notice.apology"),
                **NO_UNFURLS,
            )
        elif job.get("response_url"):
            webhook(job["response_url"]).send(
                text=t("notice.memory_down"), response_type="ephemeral"
            )
        elif job.get("kind") in _TOLD_BY_DM and job.get("user_id"):
            # Modals and the Home tab have no response_url: the app's DM is where they hear.
            slack.chat_postMessage(
                channel=job["user_id"], text=t("notice.memory_down"), **NO_UNFURLS
            )
    except Exception:  # noqa: BLE001 - nothing left to tell them with
        log.exception(
            "could not tell the person about the failure", extra={"job_kind": job.get("kind")}
        )
