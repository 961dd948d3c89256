"""Cheap checks on a Lambda HTTP event before Mangum and Bolt see it.

Anyone on the internet can call the Function URL. Whatever they send must end in a short 4xx,
logged as one line without the body, never in a traceback: Mangum raises on events it can't
route, Bolt's signature check raises on a non-numeric timestamp, and its body parser on a body
that is neither JSON nor a form. Only the standard library and slack_sdk's signature module
(a few lines of hmac) are used here, so a rejected request costs microseconds.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_REASON_PHRASES = {400: "Bad Request", 401: "Unauthorized", 405: "Method Not Allowed"}


class Rejected(Exception):
    """The request is answered with `status`; `reason` is for the log (never the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> dict[str, Any]:
        headers = {"content-type": "text/plain; charset=utf-8"}
        if self.status == 405:
            headers["allow"] = "POST"
        return {"statusCode": self.status, "headers": headers, "body": _REASON_PHRASES[self.status]}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    headers: dict[str, str]  # names lower-cased
    body: str


def read_request(event: object) -> HttpRequest:
    """The request in a Function URL / HTTP API (payload 2.0) or REST API / ALB (1.0) event, if
    it has what Mangum needs to route it. Raises Rejected otherwise."""
    if not isinstance(event, dict):
        raise Rejected(400, "event is not an object")
    context = event.get("requestContext")
    if not isinstance(context, dict):
        raise Rejected(400, "no requestContext")
    method = _method(event, context)
    if method != "POST":  # Slack only ever POSTs; Bolt has nothing else to serve
        raise Rejected(405, "method not allowed")
    return HttpRequest(method, _headers(event), _body(event))


def _headers(event: dict[str, Any]) -> dict[str, str]:
    headers = event.get("headers")
    if not _is_str_map(headers):
        raise Rejected(400, "headers missing or malformed")
    merged = {k.lower(): v for k, v in headers.items()}
    # Payload 1.0 may repeat headers in multiValueHeaders, which win in Mangum; read them the
    # same way so the signature checked here is the one Bolt sees.
    multi = event.get("multiValueHeaders")
    if event.get("version") != "2.0" and multi:
        if not _is_str_map(multi, values=list):
            raise Rejected(400, "headers missing or malformed")
        merged.update({k.lower(): ", ".join(v) for k, v in multi.items()})
    return merged


def _is_str_map(value: object, values: type = str) -> bool:
    """A dict of str to str, or (values=list) of str to lists of str."""
    return isinstance(value, dict) and all(
        isinstance(k, str)
        and isinstance(v, values)
        and (values is str or all(isinstance(item, str) for item in v))
        for k, v in value.items()
    )


def _method(event: dict[str, Any], context: dict[str, Any]) -> str:
    if event.get("version") == "2.0":
        http = context.get("http")
        if isinstance(http, dict) and all(
            isinstance(http.get(key), str) for key in ("method", "path", "sourceIp")
        ):
            return http["method"].upper()
        raise Rejected(400, "not an HTTP event")
    # Payload 1.0: API Gateway's REST API ("resource") or an ALB ("elb").
    if not ("resource" in event or "elb" in context) or not all(
        isinstance(event.get(key), str) for key in ("httpMethod", "path")
    ):
        raise Rejected(400, "not an HTTP event")
    return event["httpMethod"].upper()


def _body(event: dict[str, Any]) -> str:
    body = event.get("body")
    if body is None:
        return ""
    if not isinstance(body, str):
        raise Rejected(400, "body is not a string")
    raw = body.encode()
    if event.get("isBase64Encoded"):  # truthiness, exactly as Mangum decides to decode
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise Rejected(400, "body is not base64") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None


def check_signed(request: HttpRequest, signing_secret: str) -> None:
    """Slack's signature must hold before the body is even parsed; then the body must parse the
    way Bolt will parse it. Raises Rejected (401, then 400) otherwise."""
    from slack_sdk.signature import SignatureVerifier

    timestamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature")
    # int() inside the verifier raises on anything else; Slack always sends plain digits.
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        raise Rejected(401, "signature headers missing or malformed")
    if not SignatureVerifier(signing_secret).is_valid(request.body, timestamp, signature):
        raise Rejected(401, "signature does not match")
    if not _parses_as_bolt_expects(request.body, request.headers.get("content-type")):
        raise Rejected(400, "body is neither a JSON object nor a form")


def _parses_as_bolt_expects(body: str, content_type: str | None) -> bool:
    # Mirrors slack_bolt.request.internals.parse_body: JSON when so labelled or when it looks
    # like it, else a form whose `payload` field (interactivity) is JSON. Bolt then reads the
    # result as a dict, so anything but a JSON object would fail further in.
    try:
        if content_type == "application/json" or body.startswith("{"):
            return isinstance(json.loads(body), dict)
        if "payload" in body:
            payload = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
            return payload is None or isinstance(json.loads(payload), dict)
    except ValueError:
        return False
    return True
