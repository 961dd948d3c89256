"""Lambda's Invoke API on loopback, as far as the ack path's hand-over uses it.

Each request's SigV4 signature is checked the way Lambda checks it, with botocore's own signer
recomputing it from what arrived (403 `InvalidSignatureException` otherwise). An Event invoke
is accepted with 202 and then delivered as Lambda would: afterwards, in a thread of its own, to
`deliver(payload, context)` with the context of the function the path names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from tests.fakes._http import LoopbackServer, Reply, Request, json_reply
from tests.support.lambda_events import LambdaContext

_PATH = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations")
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<headers>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Invocation:
    function: str  # as the caller named it: a name, a partial ARN or an ARN, qualified or not
    payload: dict[str, Any]
    headers: dict[str, str]


class FakeLambdaApi(LoopbackServer):
    def __init__(
        self,
        *,
        access_key: str,
        secret_key: str,
        region: str,
        deliver: Callable[[dict[str, Any], LambdaContext], Any] | None = None,
        status: int = 202,
    ) -> None:
        super().__init__()
        self._secret = (access_key, secret_key)
        self.region = region
        self._deliver = deliver
        self.status = status
        self._deliveries: list[threading.Thread] = []

    @property
    def invocations(self) -> list[Invocation]:
        return [entry for entry in self._snapshot() if isinstance(entry, Invocation)]

    @property
    def refusals(self) -> list[str]:
        return [entry for entry in self._snapshot() if isinstance(entry, str)]

    def handle(self, request: Request) -> Reply:
        problem = self._signature_problem(request)
        if problem:
            self._record(problem)
            return json_reply(
                {"message": problem}, 403, {"x-amzn-ErrorType": "InvalidSignatureException"}
            )
        found = _PATH.fullmatch(request.path)
        if request.method != "POST" or not found:
            self._record("unknown operation")
            return json_reply({"message": "unknown operation"}, 404)
        if request.headers.get("x-amz-invocation-type") != "Event":
            self._record("not an Event invocation")
            return json_reply({"message": "only Event invocations here"}, 400)
        function = unquote(found["name"])
        payload = json.loads(request.body)
        self._record(Invocation(function, payload, request.headers))
        if self.status != 202:
            return json_reply({"message": "refused"}, self.status)
        if self._deliver is not None:
            delivery = threading.Thread(
                target=self._deliver, args=(payload, _context(function, self.region)), daemon=True
            )
            self._deliveries.append(delivery)
            delivery.start()
        return Reply(202)

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until every accepted invocation has been delivered and has returned."""
        for delivery in list(self._deliveries):
            delivery.join(timeout)
            assert not delivery.is_alive(), "a delivered invocation is still running"

    def _signature_problem(self, request: Request) -> str | None:
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        found = _AUTHORIZATION.fullmatch(request.headers.get("authorization", ""))
        if not found:
            return "missing or malformed Authorization"
        stamp = request.headers.get("x-amz-date", "")
        try:
            signed_at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return "missing or malformed X-Amz-Date"
        if abs(dt.datetime.now(dt.UTC) - signed_at) > MAX_CLOCK_SKEW:
            return "signature expired"
        if found["key"] != self._secret[0]:
            return "unknown access key"
        if (found["date"], found["region"], found["service"]) != (stamp[:8], self.region, "lambda"):
            return "wrong credential scope"
        names = found["headers"].split(";")
        if not {"host", "x-amz-date"} <= set(names):
            return "host and x-amz-date must be signed"
        # What arrived, as botocore would have signed it: only the headers the caller signed.
        url = f"http://{request.headers['host']}{request.path}"
        arrived = AWSRequest(
            method=request.method,
            url=url,
            data=request.body,
            headers={name: request.headers.get(name, "") for name in names},
        )
        arrived.context["timestamp"] = stamp
        signer = botocore.auth.SigV4Auth(
            Credentials(*self._secret, request.headers.get("x-amz-security-token")),
            "lambda",
            self.region,
        )
        expected = signer.signature(
            signer.string_to_sign(arrived, signer.canonical_request(arrived)), arrived
        )
        return None if expected == found["signature"] else "signature does not match"


def _context(function: str, region: str) -> LambdaContext:
    """The context Lambda gives the invoked function: its ARN, qualified as the caller named it."""
    if function.startswith("arn:"):
        arn = function
    elif ":function:" in function:  # a partial ARN: 123456789012:function:name[:qualifier]
        arn = f"arn:aws:lambda:{region}:{function}"
    else:
        arn = f"arn:aws:lambda:{region}:123456789012:function:{function}"
    return LambdaContext(invoked_function_arn=arn, function_name=arn.split(":")[6])
