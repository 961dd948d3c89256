"""Secrets Manager: the app's secret and the database's RDS-generated one, read once."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

# Keys the app secret may hold; anything else in it is ignored.
APP_SECRET_KEYS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "SLACK_APP_TOKEN")


def environment_with_secrets(
    environ: Mapping[str, str],
    get_secret: Callable[[str], str] | None = None,
    *,
    database: bool = True,
) -> dict[str, str]:
    """The environment, completed from the secrets BOT_SECRET_ID and DATABASE_SECRET_ID name.

    Variables already set win, so a value can be overridden without touching the secret.
    `database=False` skips the database secret, for the Slack ack path that never uses it.
    """
    merged = dict(environ)
    bot_secret_id = merged.get("BOT_SECRET_ID")
    db_secret_id = merged.get("DATABASE_SECRET_ID") if database else None
    if not bot_secret_id and not db_secret_id:
        return merged
    fetch = get_secret or _secretsmanager_getter()
    if bot_secret_id:
        values = _parse(fetch(bot_secret_id), "BOT_SECRET_ID")
        for key in APP_SECRET_KEYS:
            if values.get(key) and not merged.get(key):
                merged[key] = str(values[key])
    if db_secret_id and not merged.get("DATABASE_URL"):
        merged["DATABASE_URL"] = database_url(merged, fetch) or ""
    return merged


def database_url(
    environ: Mapping[str, str], get_secret: Callable[[str], str] | None = None
) -> str | None:
    """DATABASE_URL, or one built from the RDS secret DATABASE_SECRET_ID names, or None."""
    if environ.get("DATABASE_URL"):
        return environ["DATABASE_URL"]
    secret_id = environ.get("DATABASE_SECRET_ID")
    if not secret_id:
        return None
    fetch = get_secret or _secretsmanager_getter()
    return database_url_from_secret(_parse(fetch(secret_id), "DATABASE_SECRET_ID"))


def database_url_from_secret(secret: Mapping[str, Any]) -> str:
    user = quote(str(secret["username"]), safe="")
    password = quote(str(secret["password"]), safe="")
    host = secret["host"]
    port = secret.get("port", 5432)
    dbname = quote(str(secret.get("dbname") or "postgres"), safe="")
    # libpq's default sslmode ("prefer") uses TLS whenever the server offers it, as Aurora does.
    return f"postgresql://{user}:{password}@{host}:{port}/{dbname}"


def _parse(raw: str, variable: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        # Never echo the secret itself, not even a part of it.
        raise ValueError(f"The secret named by {variable} is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ValueError(f"The secret named by {variable} must be a JSON object.")
    return value


def _secretsmanager_getter() -> Callable[[str], str]:
    import boto3

    client = boto3.client("secretsmanager")
    return lambda secret_id: client.get_secret_value(SecretId=secret_id)["SecretString"]
