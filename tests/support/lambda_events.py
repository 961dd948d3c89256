"""Lambda Function URL events (payload format 2.0) and a captured async self-invoke."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from tests.support import slack_requests as sr

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:memory-bot"


def failure_record(payload: object, error: str = "RuntimeError") -> str:
    """Lambda's on-failure destination record (the SQS message body) of an async invocation
    that failed every retry."""
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": "2026-11-25T10:00:00.000Z",
            "requestContext": {
                "requestId": "r1",
                "functionArn": f"{FUNCTION_ARN}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 3,
            },
            "requestPayload": payload,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "responsePayload": {"errorMessage": "boom", "errorType": error},
        }
    )


@dataclass
class LambdaContext:
    invoked_function_arn: str = FUNCTION_ARN
    function_name: str = "memory-bot"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


def function_url_event(body: str, secret: str, *, form: bool = False, headers=None) -> dict:
    """What a Function URL hands Lambda for one Slack request: the body arrives base64-encoded."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/slack/events",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/x-www-form-urlencoded" if form else "application/json",
            "host": "abc.lambda-url.us-east-1.on.aws",
            "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **sr.signed_headers(body, secret),
            **(headers or {}),
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abc",
            "domainName": "abc.lambda-url.us-east-1.on.aws",
            "http": {
                "method": "POST",
                "path": "/slack/events",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.1",
                "userAgent": "Slackbot",
            },
            "requestId": "r1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795600000000,
        },
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


@dataclass
class CapturedInvokes:
    """Async invokes the handler made, captured inside a real boto3 client before sending."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def client(self):
        import boto3
        from botocore.awsrequest import AWSResponse

        client = boto3.client("lambda", region_name="us-east-1")

        def record(params, **_):
            self.calls.append(dict(params))

        def short_circuit(**_):
            return AWSResponse("https://lambda", 202, {}, None), {"StatusCode": 202}

        client.meta.events.register("before-parameter-build.lambda.Invoke", record)
        client.meta.events.register("before-call.lambda.Invoke", short_circuit)
        return client

    def take_payloads(self) -> list[dict]:
        payloads = [json.loads(call["Payload"]) for call in self.calls]
        self.calls.clear()
        return payloads
