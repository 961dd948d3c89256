"""The ack path's hand-written Invoke talks Lambda's API as boto3 does: same path, same signer."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from bot.aws.lambda_invoke import AsyncInvoker, Credentials, InvokeError, function_path
from bot.settings import ConfigError
from tests.support.lambda_api import FakeLambdaApi

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:memory-bot"
CREDS = Credentials("AKIDEXAMPLE", "secret", "token")
FUNCTIONS = [
    "memory-bot",
    "memory-bot:live",
    ARN,
    ARN + ":live",
    ARN + ":$LATEST",
    ARN + ":7",
    "123456789012:function:memory-bot",
]


def _fake(**kwargs) -> FakeLambdaApi:
    return FakeLambdaApi(access_key=CREDS.access_key, secret_key=CREDS.secret_key, **kwargs)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_function_goes_into_the_path_as_botocore_puts_it(function):
    client = boto3.client(
        "lambda", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    sent = []

    def capture(request, **_):
        sent.append(request.url)
        return AWSResponse(request.url, 202, {}, None)

    client.meta.events.register("before-send.lambda.Invoke", capture)
    client.invoke(FunctionName=function, InvocationType="Event", Payload=b"{}")
    (url,) = sent
    assert url == "https://lambda.eu-west-1.amazonaws.com" + function_path(function)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_an_async_invoke_reaches_lambdas_api_signed_as_lambda_checks_it(function):
    payload = json.dumps({"memory_bot_job": {"kind": "home", "text": "héllo"}}).encode()
    with _fake(region="eu-west-1") as fake:
        invoker = AsyncInvoker(lambda: CREDS, region="eu-west-1", endpoint=fake.root)
        result = invoker.invoke(FunctionName=function, InvocationType="Event", Payload=payload)
        assert result == {"StatusCode": 202}
        assert fake.refusals == []
        (invocation,) = fake.invocations
    assert invocation.function == function
    assert invocation.payload == json.loads(payload)
    assert invocation.headers["x-amz-security-token"] == "token"


def test_a_wrong_secret_or_region_is_refused_by_the_fake_as_by_lambda():
    with _fake(region="eu-west-1") as fake:
        for invoker in (
            AsyncInvoker(
                lambda: Credentials("AKIDEXAMPLE", "wrong"), region="eu-west-1", endpoint=fake.root
            ),
            AsyncInvoker(lambda: CREDS, region="eu-west-2", endpoint=fake.root),
        ):
            with pytest.raises(InvokeError, match="403"):
                invoker.invoke(FunctionName=ARN, InvocationType="Event", Payload=b"{}")
        assert fake.refusals == ["signature does not match", "wrong credential scope"]
        assert fake.invocations == []


def test_a_refused_invoke_raises_without_echoing_the_body():
    with _fake(region="eu-west-1", status=429) as fake:
        invoker = AsyncInvoker(lambda: CREDS, region="eu-west-1", endpoint=fake.root)
        with pytest.raises(InvokeError) as refused:
            invoker.invoke(FunctionName=ARN, InvocationType="Event", Payload=b'{"secret": 1}')
    assert "429" in str(refused.value) and "secret" not in str(refused.value)


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"])
def test_the_sdks_endpoint_variables_send_the_invoke_to_that_server(variable):
    with _fake(region="us-gov-west-1") as fake:
        env = {variable: fake.root, "AWS_REGION": "us-gov-west-1"}
        invoker = AsyncInvoker(lambda: CREDS, environ=env)
        invoker.invoke(FunctionName="memory-bot", InvocationType="Event", Payload=b"{}")
        assert [i.function for i in fake.invocations] == ["memory-bot"]


def test_the_region_and_partition_come_from_the_environment():
    env = {"AWS_REGION": "cn-northwest-1", "AWS_USE_FIPS_ENDPOINT": "true"}
    assert (
        AsyncInvoker(environ=env).endpoint == "https://lambda-fips.cn-northwest-1.amazonaws.com.cn"
    )
    assert AsyncInvoker(environ={"AWS_DEFAULT_REGION": "us-isof-south-1"}).endpoint == (
        "https://lambda.us-isof-south-1.csp.hci.ic.gov"
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"AWS_REGION": "xx-nowhere-1"},
        {"AWS_REGION": "eu-west-1", "AWS_USE_FIPS_ENDPOINT": "on"},
    ],
    ids=["no region", "unknown region", "FIPS flag not true or false"],
)
def test_an_unusable_setting_is_refused_when_the_invoker_is_built(env):
    with pytest.raises(ConfigError):
        AsyncInvoker(environ=env)


def test_only_event_invocations_are_offered():
    invoker = AsyncInvoker(region="eu-west-1", endpoint="http://127.0.0.1:9")
    with pytest.raises(ValueError):
        invoker.invoke(FunctionName=ARN, InvocationType="RequestResponse", Payload=b"{}")
