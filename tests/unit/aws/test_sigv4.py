"""The hand-written SigV4 signs exactly as botocore's SigV4Auth does."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, urlencode

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from bot.aws.sigv4 import Credentials, canonical_path, canonical_query, sign

NOW = dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=dt.UTC)
CREDS = Credentials(
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/with+odd=chars"
)
HEADERS = {"Content-Type": "application/json", "X-Amz-Invocation-Type": "Event"}
BODY = json.dumps({"memory_bot_job": {"kind": "reply", "text": "héllo"}}).encode()


def botocore_authorization(
    monkeypatch, url: str, *, params=None, creds: Credentials = CREDS, region="eu-west-1"
):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="POST", url=url, data=BODY, headers=dict(HEADERS), params=params)
    boto = BotoCredentials(creds.access_key, creds.secret_key, creds.token)
    botocore.auth.SigV4Auth(boto, "lambda", region).add_auth(request)
    return request.headers["Authorization"]


def ours(url: str, *, creds: Credentials = CREDS, region="eu-west-1") -> str:
    headers = sign(
        "POST", url, HEADERS, BODY, credentials=creds, region=region, service="lambda", now=NOW
    )
    return headers["Authorization"]


@pytest.mark.parametrize("token", [None, "session-token/with+odd=chars"])
@pytest.mark.parametrize(
    "function",
    [
        "memory-bot",
        "arn:aws:lambda:eu-west-1:123456789012:function:memory-bot",
        "arn:aws:lambda:eu-west-1:123456789012:function:memory-bot:live",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:memory-bot:$LATEST",
        "123456789012:function:memory-bot",
    ],
)
def test_the_signature_matches_botocores(monkeypatch, token, function):
    creds = Credentials(CREDS.access_key, CREDS.secret_key, token)
    url = (
        "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/"
        f"{quote(function, safe='')}/invocations"
    )
    assert ours(url, creds=creds) == botocore_authorization(monkeypatch, url, creds=creds)


QUERIES = [
    {"Qualifier": "live"},
    {"b": "2", "a": "1", "A": "0"},  # sorted by name, upper case first
    {"space": "a b", "plus": "a+b", "tilde": "~x", "slash": "a/b", "equals": "a=b&c"},
    {"unicode": "héllo wörld", "empty": "", "emoji": "🙂"},
    {"reserved": "!*'();:@$,?#[]"},
]


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: ",".join(p))
def test_the_query_is_canonicalised_as_botocore_sends_and_signs_it(monkeypatch, params):
    base = "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/f/invocations"
    # botocore sends params through urlencode (a space as "+") and signs them per the spec.
    url = f"{base}?{urlencode(params)}"
    assert ours(url) == botocore_authorization(monkeypatch, base, params=params)


def test_the_canonical_query_follows_the_sigv4_rules():
    assert canonical_query("") == ""
    assert canonical_query("b=2&a=1") == "a=1&b=2"
    assert canonical_query("a=%7e&b=%7E") == "a=~&b=~"  # unreserved: never encoded
    assert canonical_query("a=x+y&b=x%2By&c=x%20y") == "a=x%20y&b=x%2By&c=x%20y"
    assert canonical_query("flag&a=") == "a=&flag="
    assert canonical_query("a=2&a=1") == "a=1&a=2"  # repeated names: by value
    assert canonical_query("raw=%FF") == "raw=%FF"  # bytes, not text: no replacement character
    assert canonical_query("x=/&y=é") == "x=%2F&y=%C3%A9"


@pytest.mark.parametrize(
    "path",
    ["", "/", "/a/./b/../c", "//double//slash/", "/%41%3A/x", "/2015-03-31/functions/a%3Ab/x"],
)
def test_the_path_is_normalised_and_encoded_as_botocore_does(monkeypatch, path):
    signer = botocore.auth.SigV4Auth(BotoCredentials("a", "b"), "lambda", "eu-west-1")
    assert canonical_path(path) == signer._normalize_url_path(path)
    url = f"https://lambda.eu-west-1.amazonaws.com{path}"
    assert ours(url) == botocore_authorization(monkeypatch, url)


def test_credentials_come_from_lambdas_environment_and_never_show_in_a_repr():
    env = {
        "AWS_ACCESS_KEY_ID": "a",
        "AWS_SECRET_ACCESS_KEY": "b-secret",
        "AWS_SESSION_TOKEN": "t0k",
    }
    creds = Credentials.from_environment(env)
    assert creds == Credentials("a", "b-secret", "t0k")
    assert "b-secret" not in repr(creds) and "t0k" not in repr(creds)
    with pytest.raises(RuntimeError):
        Credentials.from_environment({})
