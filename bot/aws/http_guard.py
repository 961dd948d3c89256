"""Cheap checks on a Lambda HTTP event before Mangum and Bolt see it.

Anyone on the internet can call the Function URL. Whatever they send must end in a short 4xx,
logged as one line without the body, never in a traceback: Mangum raises on events it can't
route or fields of the wrong type, Python's int() on a timestamp of more than 4,300 digits, the
signature comparison on a non-ASCII signature, and Bolt's body parser on a body that is neither
JSON nor a form. So every field Mangum reads is checked for the type it expects, and Slack's two
headers for the exact shape Slack sends, before anything parses them. Only the standard library
and slack_sdk's signature module (a few lines of hmac) are used here, so a rejected request costs
microseconds.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_REASON_PHRASES = {400: "Bad Request", 401: "Unauthorized", 405: "Method Not Allowed"}

# What Slack sends: Unix seconds, and "v0=" with a lowercase hex SHA-256. Anything longer or
# wider never verifies, and int() or compare_digest would raise on some of it.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
# Mangum splits Host at ":" and int()s the port (or X-Forwarded-Port).
_HOST = re.compile(r"[^:]*(?::[0-9]{1,5})?")
_PORT = re.compile(r"[0-9]{1,5}")


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
    """The request in a Function URL / HTTP API (payload 2.0), REST API (1.0) or ALB event, if
    it has everything Mangum reads, of the types it expects, and Slack's signature headers in
    Slack's shape. Raises Rejected otherwise."""
    if not isinstance(event, dict):
        raise Rejected(400, "event is not an object")
    context = event.get("requestContext")
    if not isinstance(context, dict):
        raise Rejected(400, "no requestContext")
    kind = _kind(event, context)
    method = _method(event, context, kind)
    if method != "POST":  # Slack only ever POSTs; Bolt has nothing else to serve
        raise Rejected(405, "method not allowed")
    headers = _headers(event, kind)
    _check_signature_shape(headers)
    _check_query(event, kind)
    return HttpRequest(method, headers, _body(event))


def _kind(event: dict[str, Any], context: dict[str, Any]) -> str:
    # The order Mangum infers its handler in, so the fields checked are the ones it will read.
    if "elb" in context:
        return "alb"
    if "version" in event:
        return "v2" if event["version"] == "2.0" else "v1"
    if "resource" in event:
        return "v1"
    raise Rejected(400, "not an HTTP event")


def _method(event: dict[str, Any], context: dict[str, Any], kind: str) -> str:
    if kind == "v2":
        http = context.get("http")
        if isinstance(http, dict) and all(
            _is_text(http.get(key)) for key in ("method", "path", "sourceIp")
        ):
            return http["method"].upper()
        raise Rejected(400, "not an HTTP event")
    if not all(_is_text(event.get(key)) for key in ("httpMethod", "path")):
        raise Rejected(400, "not an HTTP event")
    if kind == "v1" and not isinstance(context.get("identity", {}), dict):
        raise Rejected(400, "not an HTTP event")
    return event["httpMethod"].upper()


def _headers(event: dict[str, Any], kind: str) -> dict[str, str]:
    headers = event.get("headers")
    multi = event.get("multiValueHeaders")
    if kind == "alb" and "multiValueHeaders" in event:
        # Mangum reads an ALB's multiValueHeaders instead of its headers when the key is there.
        if not _is_str_map(multi, values=list):
            raise Rejected(400, "headers missing or malformed")
        headers = {}
    elif not _is_str_map(headers):
        raise Rejected(400, "headers missing or malformed")
    merged = {k.lower(): v for k, v in headers.items()}
    # Payload 1.0 may repeat headers in multiValueHeaders, which win in Mangum; read them the
    # same way so the signature checked here is the one Bolt sees.
    if kind != "v2" and multi:
        if not _is_str_map(multi, values=list):
            raise Rejected(400, "headers missing or malformed")
        merged.update({k.lower(): ", ".join(v) for k, v in multi.items()})
    if kind == "v2" and event.get("cookies") and not _is_str_list(event["cookies"]):
        raise Rejected(400, "headers missing or malformed")
    host = merged.get("host", "")
    port = merged.get("x-forwarded-port", "80")
    if not _HOST.fullmatch(host) or (":" not in host and not _PORT.fullmatch(port)):
        raise Rejected(400, "headers missing or malformed")
    return merged


def _check_signature_shape(headers: dict[str, str]) -> None:
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (_TIMESTAMP.fullmatch(timestamp) and _SIGNATURE.fullmatch(signature)):
        raise Rejected(401, "signature headers missing or malformed")


def _check_query(event: dict[str, Any], kind: str) -> None:
    if kind == "v2":
        ok = _is_text(event.get("rawQueryString", ""))
    else:
        ok = all(
            not event.get(key) or _is_str_map(event[key], values=values)
            for key, values in (
                ("multiValueQueryStringParameters", list),
                ("queryStringParameters", str),
            )
        )
    if not ok:
        raise Rejected(400, "query string malformed")


def _is_text(value: object) -> bool:
    """A str that encodes as UTF-8, as Mangum will encode it (a lone surrogate does not)."""
    if not isinstance(value, str):
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(_is_text(item) for item in value)


def _is_str_map(value: object, values: type = str) -> bool:
    """A dict of text to text, or (values=list) of text to lists of text."""
    check = _is_text if values is str else _is_str_list
    return isinstance(value, dict) and all(_is_text(k) and check(v) for k, v in value.items())


def _body(event: dict[str, Any]) -> str:
    body = event.get("body")
    if body is None:
        return ""
    if not _is_text(body):
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
    way Bolt will parse it. Raises Rejected (401, then 400) otherwise. The headers' shape was
    checked by read_request, so nothing here can raise on them."""
    from slack_sdk.signature import SignatureVerifier

    headers = request.headers
    verifier = SignatureVerifier(signing_secret)
    if not verifier.is_valid(
        request.body, headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    ):
        raise Rejected(401, "signature does not match")
    if not _parses_as_bolt_expects(request.body, headers.get("content-type")):
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
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return False
    return True
