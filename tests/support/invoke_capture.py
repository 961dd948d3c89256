"""A loopback Lambda Invoke API that records each async invoke, answers 202 and runs nothing.

The bot reaches it through `AWS_ENDPOINT_URL_LAMBDA`, the AWS SDKs' per-service endpoint
variable: bot.aws.lambda_invoke then sends its SigV4-signed `Event` invoke here instead of to
AWS, so the ack path runs unchanged up to and including the HTTP request. benchmarks/lambda_perf
captures the jobs acks hand over this way. `GET /captured` lists the payloads received, for a
measured process that runs its own jobs; a `DryRun` invoke is answered 204 and not recorded, so
a process can time a bare round trip to this server.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from tests.fakes._http import LoopbackServer, Reply, Request, json_reply

_INVOKE = re.compile(r"/2015-03-31/functions/(?P<function>[^/]+)/invocations")
_INVOKE_PATH = "/2015-03-31/functions/{function}/invocations"  # Lambda's Invoke API
CAPTURED_PATH = "/captured"


@dataclass(frozen=True)
class Invoke:
    function: str  # the FunctionName from the path: a name or an ARN
    authorization: str  # the Authorization header: SigV4 is "AWS4-HMAC-SHA256 Credential=..."
    payload: Any
    time: float  # time.monotonic() on arrival

    @property
    def signed(self) -> bool:
        return self.authorization.startswith("AWS4-HMAC-SHA256 Credential=")


class InvokeCapture(LoopbackServer):
    @property
    def endpoint(self) -> str:
        """The value for AWS_ENDPOINT_URL_LAMBDA."""
        return self.root

    def invocations_url(self, function: str) -> str:
        return self.root + _INVOKE_PATH.format(function=quote(function, safe=""))

    @property
    def invokes(self) -> list[Invoke]:
        return self._snapshot()

    def clear(self) -> None:
        self._clear()

    def handle(self, request: Request) -> Reply:
        if request.method == "GET" and request.path == CAPTURED_PATH:
            return json_reply([invoke.payload for invoke in self.invokes])
        match = _INVOKE.fullmatch(request.path)
        if request.method != "POST" or not match:
            return json_reply({"message": f"no such API: {request.method} {request.path}"}, 404)
        kind = request.headers.get("x-amz-invocation-type")
        if kind == "DryRun":  # as Lambda does: checked, not run, 204; a bare round trip here
            return Reply(204)
        if kind != "Event":
            # Only what the ack path sends: a synchronous invoke would have to run something.
            return json_reply({"message": "only Event (asynchronous) invokes are captured"}, 400)
        invoke = Invoke(
            function=unquote(match["function"]),
            authorization=request.headers.get("authorization", ""),
            payload=request.json(),
            time=time.monotonic(),
        )
        self._record(invoke)
        return Reply(202)  # Lambda's answer to an accepted Event invoke, with no body
