"""Which Slack installation this bot is: the scope every person's memories live under.

A person is identified by their user ID within the installation the bot token belongs to: the
Enterprise Grid org for an org-wide install, else the installing workspace. Payloads are no guide:
in a Grid org the same person writes from several workspaces, and in a Slack Connect channel the
outer `team_id` is the other organisation's. So the scope comes from `auth.test` of our own token,
asked once per process (never on the ack path) and cached.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# What auth.test answers for a token that no longer works (revoked, or never right).
_DEAD_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


@dataclass(frozen=True)
class Installation:
    scope_id: str  # enterprise ID of an org-wide install, else the team ID
    team_id: str | None
    enterprise_id: str | None
    bot_user_id: str | None
    bot_id: str | None

    @classmethod
    def from_auth_test(cls, response: dict[str, Any]) -> Installation:
        enterprise_id = response.get("enterprise_id") or None
        team_id = response.get("team_id") or None
        org_wide = bool(response.get("is_enterprise_install"))
        scope = enterprise_id if org_wide and enterprise_id else team_id
        if not scope:
            raise ValueError("auth.test named neither a team nor an enterprise")
        return cls(
            scope_id=scope,
            team_id=team_id,
            enterprise_id=enterprise_id,
            bot_user_id=response.get("user_id"),
            bot_id=response.get("bot_id"),
        )


class InstallationResolver:
    """Resolves this token's installation with one `auth.test`, then answers from memory."""

    def __init__(self, slack: WebClient) -> None:
        self._slack = slack
        self._installation: Installation | None = None
        self._lock = threading.Lock()

    def get(self) -> Installation:
        """Raises SlackApiError (or a network error) if Slack can't be asked the first time."""
        with self._lock:
            if self._installation is None:
                self._installation = Installation.from_auth_test(self._slack.auth_test().data)
                log.info("installation resolved", extra={"scope_id": self._installation.scope_id})
            return self._installation

    def forget(self) -> None:
        """After an uninstall the token is dead; a reinstall may come with another identity."""
        with self._lock:
            self._installation = None


def working_scope(slack: WebClient) -> str | None:
    """The installation the token works for right now, or None when Slack says it doesn't work.
    Raises when Slack can't be asked: then nothing can be concluded either way."""
    try:
        return Installation.from_auth_test(slack.auth_test().data).scope_id
    except SlackApiError as exc:
        if exc.response.get("error") in _DEAD_TOKEN:
            return None
        raise
