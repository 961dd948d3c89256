"""Jobs travel between invocations signed, so only this bot's own ack path can submit one.

Anyone allowed to invoke the function could otherwise hand it a job: a forged `interests` job
would post someone's memories to any URL, a forged `forget_all` would erase them. The key is
derived from the Slack signing secret (never the secret itself), so it needs no extra setting
and rotates with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

# Where the signature travels in the async invoke's event, next to the job itself.
JOB_HMAC_KEY = "memory_bot_job_hmac"
# Bumped if the canonical form ever changes, so old and new signatures can't be confused.
_KEY_PURPOSE = b"memory-bot-job-v1"
# What sign() returns. Checked before comparing: compare_digest raises on non-ASCII text.
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def _canonical(job: dict[str, Any]) -> bytes:
    # The job crosses the wire as JSON; sorted keys and fixed separators give the same bytes on
    # both sides of that round trip.
    return json.dumps(job, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


class JobSigner:
    def __init__(self, signing_secret: str) -> None:
        self._key = hmac.new(signing_secret.encode(), _KEY_PURPOSE, hashlib.sha256).digest()

    def sign(self, job: dict[str, Any]) -> str:
        return hmac.new(self._key, _canonical(job), hashlib.sha256).hexdigest()

    def verify(self, job: dict[str, Any], signature: object) -> bool:
        """True only for this signer's signature of exactly this job; never raises, whatever
        either is (whoever may invoke the function can send anything)."""
        if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
            return False
        try:
            expected = self.sign(job)
        # Not JSON-serialisable, an int past str()'s digit limit, nested past the recursion
        # limit: never came from our ack path.
        except (TypeError, ValueError, RecursionError):
            return False
        return hmac.compare_digest(expected, signature)
