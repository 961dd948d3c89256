"""Lambda's async Invoke API for the ack path, signed with SigV4 by hand.

Every cold container acks its first Slack request through one `Invoke`. With boto3 that costs
~100 ms of imports and ~120 ms to build a client (it loads the service model and endpoint
rules), more than half of a cold ack. This is the same HTTPS request with the standard library:
POST /2015-03-31/functions/{arn}/invocations, `X-Amz-Invocation-Type: Event`, signed with AWS
Signature Version 4 from the credentials Lambda puts in the environment. tests/test_lambda_invoke.py
checks the signature byte for byte against botocore's own signer. Everything else (Secrets
Manager, SQS, moto in tests) keeps using boto3.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

SERVICE = "lambda"
API_PATH = "/2015-03-31/functions/{name}/invocations"
# The ack must be out within Slack's 3 s; a hand-over slower than this is an error.
TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        try:
            return cls(
                env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_SESSION_TOKEN")
            )
        except KeyError:
            raise RuntimeError("AWS credentials are not in the environment") from None


class InvokeError(RuntimeError):
    """Lambda refused the invocation (the status only: the body may echo the payload)."""


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime,
) -> dict[str, str]:
    """The headers to send: `headers` plus host, x-amz-date, the session token and
    Authorization. Every header given is signed."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    signed = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    signed["host"] = urlsplit(url).netloc
    signed["x-amz-date"] = stamp
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    names = sorted(signed)
    parts = urlsplit(url)
    canonical = "\n".join(
        [
            method.upper(),
            # Non-S3 services sign the path URI-encoded once more.
            quote(parts.path or "/", safe="/~"),
            parts.query,
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{credentials.secret_key}".encode()
    for part in (stamp[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    result = {**headers, **{k: v for k, v in signed.items() if k not in {"host"}}}
    result["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return result


class AsyncInvoker:
    """`invoke(FunctionName=arn, InvocationType="Event", Payload=bytes)`, as boto3's client
    spells it, so the dispatcher takes either."""

    def __init__(
        self,
        credentials: Callable[[], Credentials] = Credentials.from_environment,
        *,
        endpoint: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        opener: Callable[..., object] = urllib.request.urlopen,
    ) -> None:
        self._credentials = credentials
        self._endpoint = endpoint
        self._clock = clock
        self._open = opener

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict:  # noqa: N803
        if InvocationType != "Event":
            raise ValueError("only asynchronous (Event) invocations are supported")
        region, endpoint = _region_and_endpoint(FunctionName, self._endpoint)
        url = endpoint + API_PATH.format(name=quote(FunctionName, safe=""))
        headers = sign(
            "POST",
            url,
            {"Content-Type": "application/json", "X-Amz-Invocation-Type": "Event"},
            Payload,
            credentials=self._credentials(),
            region=region,
            service=SERVICE,
            now=self._clock(),
        )
        request = urllib.request.Request(url, data=Payload, headers=headers, method="POST")
        try:
            with self._open(request, timeout=TIMEOUT_S) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise InvokeError(f"Lambda refused the invocation: HTTP {exc.code}") from None
        if status != 202:
            raise InvokeError(f"Lambda answered HTTP {status} to an async invocation")
        return {"StatusCode": status}


def _region_and_endpoint(function_arn: str, endpoint: str | None) -> tuple[str, str]:
    """arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]"""
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != SERVICE:
        raise ValueError("FunctionName must be the function's ARN")
    partition, region = parts[1], parts[3]
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return region, endpoint or f"https://lambda.{region}.{suffix}"
