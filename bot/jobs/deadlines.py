"""How long a job may take, in one place. The Lambda timeout in infra/ is derived from it.

A job's deadline comes from the function's remaining time (`context.get_remaining_time_in_millis()`
on Lambda, `JOB_BUDGET_S` elsewhere). Every slow step asks the deadline how long it may take,
capped by its own share below, and `FINAL_WORD_S` is always kept back so the person hears what
happened before the function is stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

# Each Slack Web API call (slack_sdk retries included).
SLACK_CALL_S = 10
# Aurora Serverless v2 resumes from auto-pause in 15-30 s.
DATABASE_RESUME_S = 45
# The streamed answer, the SDK's retries included.
ANSWER_S = 90
# Memory extraction after the answer is out; skipped when less than LEARN_MIN_S is left.
LEARN_S = 30
LEARN_MIN_S = 10
# Kept back for the last message (an apology or a cut-off note) and marking the job done.
FINAL_WORD_S = 5

JOB_BUDGET_S = DATABASE_RESUME_S + ANSWER_S + LEARN_S + FINAL_WORD_S
# The function's timeout: a job's budget plus the cold start and showing that it is working.
FUNCTION_TIMEOUT_S = JOB_BUDGET_S + 10


@dataclass(frozen=True)
class Deadline:
    """A point in time a job must finish by, on the monotonic clock."""

    at: float
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    @classmethod
    def from_lambda_context(cls, context: object) -> Deadline:
        remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
        if remaining_ms is None:
            return cls.after(JOB_BUDGET_S)
        return cls.after(remaining_ms() / 1000)

    def remaining(self) -> float:
        return max(0.0, self.at - self.clock())

    def allow(self, share: float) -> float:
        """Seconds a step may take: its share, or what is left before the final word."""
        return max(0.0, min(share, self.remaining() - FINAL_WORD_S))

    def expired(self) -> bool:
        return self.allow(float("inf")) <= 0


# The running job's deadline, set by the worker for the thread that runs the job, so every slow
# step below it can ask how long it may take without each handler passing it along.
_current: ContextVar[Deadline | None] = ContextVar("job_deadline", default=None)


def current() -> Deadline:
    return _current.get() or Deadline.after(JOB_BUDGET_S)


def set_current(deadline: Deadline) -> object:
    return _current.set(deadline)


def reset_current(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
