"""All configuration in one typed object, read from the environment once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

# What each setting is for, so a missing or wrong one can be explained rather than just named.
SETTING_HELP = {
    "SLACK_BOT_TOKEN": (
        "the Bot User OAuth Token (xoxb-...) from your Slack app's 'OAuth & Permissions' page"
    ),
    "SLACK_SIGNING_SECRET": "the Signing Secret from your Slack app's 'Basic Information' page",
    "SLACK_APP_TOKEN": (
        "an App-Level Token (xapp-...) with the connections:write scope, created under "
        "'Basic Information' > 'App-Level Tokens' (needed for Socket Mode)"
    ),
    "OPENAI_API_KEY": "an OpenAI API key from https://platform.openai.com/api-keys",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and what to do."""


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None


def _str(environ: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    raw = environ.get(name, "").strip()
    return raw or default


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # None means "let the openai SDK decide", which is how it reads its own variables.
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_timeout: float = 60.0
    openai_max_retries: int = 2
    database_url: str | None = field(default=None, repr=False)
    data_dir: Path = Path(".data")
    chat_model: str = "gpt-4.1-mini"
    memory_model: str = "gpt-4.1-mini"
    embedding_model: str = "text-embedding-3-small"
    embedding_dims: int = 1536
    memory_limit: int = 20
    memory_max_per_person: int = 200
    # 0 keeps memories until the person erases them.
    memory_ttl_days: int = 365
    # CloudWatch embedded-metric lines per answer; on by default on Lambda only.
    emit_metrics: bool = False
    web_search: bool = True  # WEB_SEARCH=on|off: answers may search the web (bot.conversation.llm)
    # The hourly digest run hands out at most this many a minute (Slack's chat.postMessage
    # workspace limit and the OpenAI account's request and token limits)...
    digest_per_minute: int = 200
    # ...and keeps at most this many in flight, so replies still find a free worker.
    digest_concurrency: int = 20
    log_level: str = "INFO"
    # Where the ack path hands jobs (a function name or ARN, qualifier allowed); None: itself.
    worker_function: str | None = None

    @property
    def memory_ttl_minutes(self) -> int | None:
        """How long a memory lives unreinforced, as the store counts it; None: for ever."""
        return self.memory_ttl_days * 24 * 60 or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            slack_bot_token=_str(env, "SLACK_BOT_TOKEN"),
            slack_signing_secret=_str(env, "SLACK_SIGNING_SECRET"),
            slack_app_token=_str(env, "SLACK_APP_TOKEN"),
            slack_api_url=_with_slash(_str(env, "SLACK_API_URL", DEFAULT_SLACK_API_URL)),
            openai_api_key=_str(env, "OPENAI_API_KEY"),
            openai_base_url=_str(env, "OPENAI_BASE_URL"),
            openai_timeout=_float(env, "OPENAI_TIMEOUT", 60.0),
            openai_max_retries=_int(env, "OPENAI_MAX_RETRIES", 2, minimum=0),
            database_url=_str(env, "DATABASE_URL"),
            data_dir=project_dir() / _str(env, "BOT_DATA_DIR", ".data"),
            chat_model=_str(env, "CHAT_MODEL", cls.chat_model),
            memory_model=_str(env, "MEMORY_MODEL", cls.memory_model),
            embedding_model=_str(env, "EMBEDDING_MODEL", cls.embedding_model),
            embedding_dims=_int(env, "EMBEDDING_DIMS", cls.embedding_dims),
            memory_limit=_int(env, "MEMORY_LIMIT", cls.memory_limit),
            memory_max_per_person=_int(env, "MEMORY_MAX_PER_PERSON", cls.memory_max_per_person),
            memory_ttl_days=_int(env, "MEMORY_TTL_DAYS", cls.memory_ttl_days, minimum=0),
            emit_metrics=(
                _str(env, "METRICS", "on" if env.get("AWS_LAMBDA_FUNCTION_NAME") else "off")
                or "off"
            ).lower()
            in ("on", "true", "1"),
            web_search=(_str(env, "WEB_SEARCH", "on") or "on").lower() not in ("off", "false", "0"),
            digest_per_minute=_int(env, "DIGEST_PER_MINUTE", cls.digest_per_minute),
            digest_concurrency=_int(env, "DIGEST_CONCURRENCY", cls.digest_concurrency),
            log_level=(_str(env, "LOG_LEVEL", "INFO") or "INFO").upper(),
            worker_function=_str(env, "BOT_WORKER_FUNCTION"),
        )

    def require(self, *names: str) -> None:
        """Fail with one message naming every missing variable and where to get it."""
        attrs = {name: name.lower() for name in names}
        missing = [name for name, attr in attrs.items() if not getattr(self, attr)]
        if not missing:
            return
        lines = [f"  {name}: {SETTING_HELP.get(name, 'required')}" for name in missing]
        raise ConfigError(
            "Missing configuration:\n"
            + "\n".join(lines)
            + "\nSet them in the environment or in a .env file next to README.md "
            "(see .env.example)."
        )


def project_dir() -> Path:
    """Where `.env` is read from and a relative BOT_DATA_DIR (default `.data`) lives: the source
    checkout the bot runs from, wherever it is started; the current directory for an installed
    package. One place, so `bot chat` in another folder still finds the memories `make run` made.
    """
    checkout = Path(__file__).resolve().parents[1]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


def _with_slash(url: str | None) -> str:
    url = url or DEFAULT_SLACK_API_URL
    return url if url.endswith("/") else url + "/"
