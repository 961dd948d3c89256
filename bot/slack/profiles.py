"""What Slack says about a person that shapes how the bot writes to them: their language and
time zone, from `users.info`, remembered for a while per process."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n.catalogue import DEFAULT_LANGUAGE, Translator, translator

log = logging.getLogger(__name__)

# A person who switches Slack's language sees the bot follow within this long.
PROFILE_TTL_S = 3600.0


@dataclass(frozen=True)
class Profile:
    locale: str = DEFAULT_LANGUAGE
    tz: str = "UTC"
    tz_offset_s: int = 0

    @property
    def t(self) -> Translator:
        return translator(self.locale)


UNKNOWN = Profile()


class Profiles:
    """`users.info(include_locale=true)` per person, cached; English and UTC when Slack can't
    say, so a failed lookup never stops an answer."""

    def __init__(self, slack: WebClient, *, ttl_s: float = PROFILE_TTL_S) -> None:
        self._slack = slack
        self._ttl_s = ttl_s
        self._known: dict[str, tuple[float, Profile]] = {}
        self._lock = threading.Lock()

    def of(self, user_id: str | None) -> Profile:
        if not user_id:
            return UNKNOWN
        now = time.monotonic()
        with self._lock:
            cached = self._known.get(user_id)
            if cached and now - cached[0] < self._ttl_s:
                return cached[1]
        try:
            user = self._slack.users_info(user=user_id, include_locale=True)["user"]
            profile = Profile(
                locale=str(user.get("locale") or DEFAULT_LANGUAGE),
                tz=str(user.get("tz") or "UTC"),
                tz_offset_s=int(user.get("tz_offset") or 0),
            )
        except SlackApiError as exc:
            log.warning("could not look up the person: %s", exc.response.get("error"))
            return UNKNOWN
        # Unreachable, timed out, or an answer without the fields: English this once.
        except (OSError, LookupError, TypeError, ValueError, AttributeError) as exc:
            log.warning("could not look up the person: %s", type(exc).__name__)
            return UNKNOWN
        with self._lock:
            self._known[user_id] = (now, profile)
        return profile

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._known.pop(user_id, None)
