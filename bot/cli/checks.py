"""Start-up checks: every token problem named at once, then each token tried against its service
before anything slow starts, each failure told as one sentence saying what to do."""

from __future__ import annotations

import sys

from bot.settings import SETTING_HELP, ConfigError, Settings

# The kind of token each variable must hold, by the prefix Slack gives that kind.
TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}
# Real tokens and keys are letters, digits, '-' and '_': these only appear in examples.
_PLACEHOLDER_MARKS = ("...", "…", "<", ">", " ")

# What to do when Slack rejects a token, by variable.
_SLACK_TOKEN_FIX = {
    "SLACK_BOT_TOKEN": "Copy the Bot User OAuth Token again from your app's 'OAuth & Permissions' "
    "page.",
    "SLACK_APP_TOKEN": "At https://api.slack.com/apps, open your app's 'Basic Information' > "
    "'App-Level Tokens', create one with the connections:write scope, and check that Socket Mode "
    "is enabled.",
}
# The checks are single small requests: a slow answer means a network problem.
CHECK_TIMEOUT_S = 10


def require_tokens(settings: Settings, *names: str) -> None:
    """Fail with one message naming every token that is missing, a placeholder or of the wrong
    kind, and where to get the right one. Never echoes a value: it may be a real secret."""
    problems = [problem for name in names if (problem := _token_problem(settings, name))]
    if problems:
        raise ConfigError(
            "These settings need fixing:\n"
            + "\n".join(f"  {problem}" for problem in problems)
            + "\nSet them in the environment or in a .env file next to README.md "
            "(copy .env.example)."
        )


def _token_problem(settings: Settings, name: str) -> str | None:
    value = getattr(settings, name.lower())
    where = SETTING_HELP[name]
    if not value:
        return f"{name} is missing: {where}."
    if any(mark in value for mark in _PLACEHOLDER_MARKS):
        return f"{name} is still a placeholder: replace it with {where}."
    prefix = TOKEN_PREFIXES.get(name)
    if prefix and not value.startswith(prefix):
        return f"{name} should start with '{prefix}': it must be {where}."
    return None


def check_slack(settings: Settings) -> None:
    """The bot token with `auth.test` and, when set, the app token with Socket Mode's own first
    call (the URL it hands out is single-use and simply expires)."""
    from slack_sdk import WebClient

    # No retry handlers: a check that fails should say so now, not after backing off.
    slack = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=CHECK_TIMEOUT_S
    )
    slack_call(slack.auth_test, "SLACK_BOT_TOKEN", settings)
    if settings.slack_app_token:
        slack_call(
            lambda: slack.apps_connections_open(app_token=settings.slack_app_token),
            "SLACK_APP_TOKEN",
            settings,
        )


class SlackUnreachable(ConfigError):
    """Slack could not be reached at all (no network, DNS, a proxy): the token is untested."""


def slack_call(call, name: str, settings: Settings):
    """Run a Slack call that proves the token `name` works; explain it if it doesn't."""
    from slack_sdk.errors import SlackApiError

    try:
        return call()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected {name} ({exc.response.get('error')}). {_SLACK_TOKEN_FIX[name]}"
        ) from None
    except OSError as exc:  # URLError, socket.gaierror, timeouts, refused connections
        raise SlackUnreachable(
            f"Could not reach Slack at {settings.slack_api_url} ({type(exc).__name__}). "
            "Check your network connection."
        ) from None


def check_openai(settings: Settings) -> None:
    """One cheap call (the chat model's metadata) proves the key works before anything starts."""
    import openai

    from bot.conversation.llm import openai_client

    where = settings.openai_base_url or "api.openai.com"
    client = openai_client(settings).with_options(timeout=CHECK_TIMEOUT_S, max_retries=0)
    try:
        client.models.retrieve(settings.chat_model)
    except openai.AuthenticationError:
        raise ConfigError(
            "OpenAI rejected OPENAI_API_KEY (401). Create a key at "
            "https://platform.openai.com/api-keys and set it again."
        ) from None
    except openai.PermissionDeniedError:
        raise ConfigError(
            "OPENAI_API_KEY is not allowed to use the models (403). Check the key's project and "
            "permissions at https://platform.openai.com/api-keys."
        ) from None
    except openai.NotFoundError:
        raise ConfigError(
            f"OpenAI has no model '{settings.chat_model}' for this key. Check CHAT_MODEL."
        ) from None
    except openai.APIConnectionError:  # timeouts included
        raise ConfigError(
            f"Could not reach OpenAI at {where}. Check your network connection"
            + (" and OPENAI_BASE_URL." if settings.openai_base_url else ".")
        ) from None
    except openai.APIStatusError as exc:  # e.g. 429 or 5xx: the key may be fine; say it, go on
        note = f"bot: OpenAI answered {exc.status_code} to the OPENAI_API_KEY check; going on."
        print(note, file=sys.stderr)
