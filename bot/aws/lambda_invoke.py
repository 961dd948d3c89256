"""Lambda's async Invoke API for the ack path, signed with SigV4 by hand.

Every cold container acks its first Slack request through one `Invoke`. With boto3 that costs
~100 ms of imports and ~120 ms to build a client (it loads the service model and endpoint
rules), more than half of a cold ack. This is the same HTTPS request with the standard library:
POST /2015-03-31/functions/{name}/invocations, `X-Amz-Invocation-Type: Event`, signed with AWS
Signature Version 4 (bot/aws/sigv4.py) from the credentials Lambda puts in the environment, sent
where the SDKs would send it (bot/aws/endpoints.py). Everything else (Secrets Manager, SQS, moto
in tests) keeps using boto3.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

from bot.aws.endpoints import lambda_endpoint, region_from
from bot.aws.sigv4 import Credentials, sign
from bot.settings import ConfigError

__all__ = ["AsyncInvoker", "Credentials", "InvokeError", "function_path"]

SERVICE = "lambda"
API_PATH = "/2015-03-31/functions/{name}/invocations"
# The ack must be out within Slack's 3 s; a hand-over slower than this is an error.
TIMEOUT_S = 2.0


class InvokeError(RuntimeError):
    """Lambda refused the invocation (the status only: the body may echo the payload)."""


def function_path(function: str) -> str:
    """The Invoke path for a function name, partial ARN or ARN (with a qualifier or not),
    encoded as botocore encodes a URI label: everything but A-Z a-z 0-9 - _ . ~ escaped."""
    return API_PATH.format(name=quote(function, safe=""))


class AsyncInvoker:
    """`invoke(FunctionName=..., InvocationType="Event", Payload=bytes)`, as boto3's client
    spells it, so the dispatcher takes either. Like a boto3 client it belongs to one region
    (AWS_REGION unless given), and its endpoint is settled when it is built: a setting no SDK
    would accept raises ConfigError there, not on the first message."""

    def __init__(
        self,
        credentials: Callable[[], Credentials] = Credentials.from_environment,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        opener: Callable[..., object] = urllib.request.urlopen,
    ) -> None:
        env = os.environ if environ is None else environ
        self.region = region or region_from(env)
        if not self.region:
            raise ConfigError("Set AWS_REGION: Lambda invocations are signed for a region.")
        self.endpoint = endpoint or lambda_endpoint(self.region, env)
        self._credentials = credentials
        self._clock = clock
        self._open = opener

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict:  # noqa: N803
        if InvocationType != "Event":
            raise ValueError("only asynchronous (Event) invocations are supported")
        url = self.endpoint + function_path(FunctionName)
        headers = sign(
            "POST",
            url,
            {"Content-Type": "application/json", "X-Amz-Invocation-Type": "Event"},
            Payload,
            credentials=self._credentials(),
            region=self.region,
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
