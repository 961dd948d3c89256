"""A Slack WebClient whose every call is bounded by a job's deadline."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.jobs.deadlines import SLACK_CALL_S, Deadline

# Even past the deadline a last call gets this long: it is the person's only news.
LAST_CALL_S = 1.0


class DeadlineWebClient(WebClient):
    """Same token, URL and retry handlers as `client`; each call (chat_stream's included)
    waits at most SLACK_CALL_S and no longer than the deadline leaves.

    A copy rather than the shared client, because slack_sdk reads the timeout from the
    instance and other threads use that one at the same time.
    """

    def __init__(self, client: WebClient, deadline: Deadline) -> None:
        super().__init__(
            token=client.token,
            base_url=client.base_url,
            timeout=SLACK_CALL_S,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=dict(client.headers),
            team_id=client.default_params.get("team_id"),
            retry_handlers=client.retry_handlers,
        )
        self._deadline = deadline

    def api_call(self, *args: Any, **kwargs: Any) -> Any:
        self.timeout = max(LAST_CALL_S, min(SLACK_CALL_S, self._deadline.remaining()))
        return super().api_call(*args, **kwargs)
