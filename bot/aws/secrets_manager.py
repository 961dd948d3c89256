"""Secrets Manager: the signing secret, the app's tokens and the database's RDS-generated secret,
read once."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

# Amazon RDS's root CAs for every region (the "global bundle"), shipped inside the package so
# the Lambda verifies Aurora's certificate without fetching anything. This copy is the one AWS
# vendors in github.com/aws/aws-advanced-jdbc-wrapper (wrapper/src/test/resources/
# rds-ca-rsa2048-g1.pem, 108 certificates, sha256 e5bb2084...c7e3), which matches, certificate for
# certificate, an older independent copy of AWS's truststore download plus six newer regions.
RDS_CA_BUNDLE = Path(__file__).resolve().parents[1] / "certs" / "rds-global-bundle.pem"

# What each secret may fill in, by the variable that names it; anything else in it is ignored.
# The Slack signing secret has one of its own, so the public function can read it and nothing
# else (IAM grants whole secrets, not keys); the app secret holds the worker's tokens (and, in a
# deployment from before the split, the signing secret too).
SIGNING_SECRET_KEYS = ("SLACK_SIGNING_SECRET",)
APP_SECRET_KEYS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "SLACK_APP_TOKEN")
_SECRETS = (("SIGNING_SECRET_ID", SIGNING_SECRET_KEYS), ("BOT_SECRET_ID", APP_SECRET_KEYS))


def environment_with_secrets(
    environ: Mapping[str, str],
    get_secret: Callable[[str], str] | None = None,
    *,
    database: bool = True,
) -> dict[str, str]:
    """The environment, completed from the secrets SIGNING_SECRET_ID, BOT_SECRET_ID and
    DATABASE_SECRET_ID name (each read only if named).

    Variables already set win, so a value can be overridden without touching the secret.
    `database=False` skips the database secret, for the Slack ack path that never uses it.
    """
    merged = dict(environ)
    wanted = [(variable, keys) for variable, keys in _SECRETS if merged.get(variable)]
    db_secret_id = merged.get("DATABASE_SECRET_ID") if database else None
    if not wanted and not db_secret_id:
        return merged
    fetch = get_secret or _secretsmanager_getter()
    raw = _fetch_all(fetch, [merged[variable] for variable, _ in wanted])
    for (variable, keys), text in zip(wanted, raw, strict=True):
        values = _parse(text, variable)
        for key in keys:
            if values.get(key) and not merged.get(key):
                merged[key] = str(values[key])
    if db_secret_id and not merged.get("DATABASE_URL"):
        merged["DATABASE_URL"] = database_url(merged, fetch) or ""
    return merged


def _fetch_all(fetch: Callable[[str], str], secret_ids: list[str]) -> list[str]:
    # A cold start waits on these: two round trips at once rather than one after the other.
    if len(secret_ids) < 2:
        return [fetch(secret_id) for secret_id in secret_ids]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(secret_ids)) as pool:
        return list(pool.map(fetch, secret_ids))


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
    """The URL of the RDS database a secret describes, over TLS that checks who answers.

    verify-full: the server's certificate must chain to an RDS root in the packaged bundle and
    name the host we asked for, so neither a plain-text downgrade (libpq's default "prefer"
    would accept one) nor an impostor inside the VPC gets the password. RDS-generated secrets
    have no "sslmode"; one that names it (a database without TLS, in tests) is taken at its word,
    since whoever can write the secret holds the password anyway.
    """
    user = quote(str(secret["username"]), safe="")
    password = quote(str(secret["password"]), safe="")
    host = secret["host"]
    port = secret.get("port", 5432)
    dbname = quote(str(secret.get("dbname") or "postgres"), safe="")
    tls = {"sslmode": str(secret.get("sslmode") or "verify-full")}
    if tls["sslmode"].startswith("verify-"):
        tls["sslrootcert"] = str(RDS_CA_BUNDLE)
    return f"postgresql://{user}:{password}@{host}:{port}/{dbname}?{urlencode(tls)}"


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
