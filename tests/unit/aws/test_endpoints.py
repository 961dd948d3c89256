"""The hand-over's Lambda endpoint is botocore's, for every partition and setting."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.endpoint_provider import EndpointProvider
from botocore.exceptions import EndpointResolutionError
from botocore.loaders import create_loader

from bot.aws.endpoints import lambda_endpoint, partition_of
from bot.settings import ConfigError

_LOADER = create_loader()
_PARTITIONS = _LOADER.load_data("partitions")["partitions"]
LISTED = sorted(region for p in _PARTITIONS for region in p["regions"])
# Not listed yet, but in a partition's pattern: a region AWS opens after this botocore shipped.
UNLISTED = ["us-west-9", "ap-southeast-99", "cn-south-9", "us-gov-north-9", "us-isob-south-9"]
FLAGS = list(itertools.product([False, True], repeat=2))


def _botocore(region: str, fips: bool, dual_stack: bool) -> str:
    provider = EndpointProvider(
        ruleset_data=_LOADER.load_service_model("lambda", "endpoint-rule-set-1"),
        partition_data=_LOADER.load_data("partitions"),
    )
    return provider.resolve_endpoint(Region=region, UseFIPS=fips, UseDualStack=dual_stack).url


def _env(fips: bool, dual_stack: bool, **more: str) -> dict[str, str]:
    return {
        "AWS_USE_FIPS_ENDPOINT": str(fips).lower(),
        "AWS_USE_DUALSTACK_ENDPOINT": str(dual_stack).lower(),
        **more,
    }


def test_every_partition_botocore_knows_is_covered():
    ids = {p["id"] for p in _PARTITIONS}
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"} <= ids
    assert "aws-eusc" in ids
    assert {partition_of(region).name for region in LISTED} == ids


@pytest.mark.parametrize(("fips", "dual_stack"), FLAGS, ids=lambda flag: str(flag))
def test_every_region_resolves_as_botocores_endpoint_rules_do(fips, dual_stack):
    for region in LISTED + UNLISTED:
        assert lambda_endpoint(region, _env(fips, dual_stack)) == _botocore(
            region, fips, dual_stack
        ), region


def test_fips_goes_to_the_fips_host_in_govcloud_and_iso():
    assert lambda_endpoint("us-gov-west-1", _env(True, False)) == (
        "https://lambda-fips.us-gov-west-1.amazonaws.com"
    )
    assert lambda_endpoint("us-iso-east-1", _env(True, False)) == (
        "https://lambda-fips.us-iso-east-1.c2s.ic.gov"
    )
    assert lambda_endpoint("cn-north-1", _env(False, True)) == (
        "https://lambda.cn-north-1.api.amazonwebservices.com.cn"
    )


@pytest.mark.parametrize("region", ["xx-nowhere-1", "moon-base-1", "local", "US-EAST-1", ""])
def test_a_region_no_partition_knows_is_refused_clearly(region):
    # botocore would send these to the aws partition's domain; a typo must not go unnoticed.
    with pytest.raises(ConfigError) as refused:
        lambda_endpoint(region or None, {})
    assert "AWS_REGION" in str(refused.value)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:4566"}, "http://127.0.0.1:4566"),
        ({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566/"}, "http://127.0.0.1:4566"),
        # The service's own variable wins over the global one.
        (
            {"AWS_ENDPOINT_URL": "http://global:1", "AWS_ENDPOINT_URL_LAMBDA": "http://lambda:2"},
            "http://lambda:2",
        ),
        # An empty variable is no setting, as in botocore.
        (
            {"AWS_ENDPOINT_URL_LAMBDA": "", "AWS_ENDPOINT_URL": "http://global:1"},
            "http://global:1",
        ),
        ({"AWS_ENDPOINT_URL": "https://vpce.example/prefix"}, "https://vpce.example/prefix"),
        (
            {
                "AWS_ENDPOINT_URL_LAMBDA": "http://x:1",
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
            },
            "https://lambda.eu-west-1.amazonaws.com",
        ),
    ],
)
def test_configured_endpoints_follow_the_sdks_precedence(env, expected):
    assert lambda_endpoint("eu-west-1", env) == expected


def test_configured_endpoints_reach_the_same_url_as_a_boto3_client(tmp_path):
    """A real boto3 client in a clean process, with each environment, sends Invoke where the
    hand-over would."""
    cases = [
        {"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:4566"},
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:4567/prefix"},
        {"AWS_ENDPOINT_URL": "http://global:1", "AWS_ENDPOINT_URL_LAMBDA": "http://lambda:2"},
        {"AWS_ENDPOINT_URL_LAMBDA": "http://x:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        {"AWS_USE_FIPS_ENDPOINT": "true"},
        {"AWS_USE_DUALSTACK_ENDPOINT": "TRUE"},
    ]
    driver = """
import json, os, sys
import boto3
from botocore.awsrequest import AWSResponse
urls = []
def capture(request, **_):
    urls.append(request.url)
    return AWSResponse(request.url, 202, {}, None)
for case in json.loads(sys.argv[1]):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(case)
    client = boto3.client("lambda", region_name="us-gov-west-1", aws_access_key_id="a",
                          aws_secret_access_key="b")
    client.meta.events.register("before-send.lambda.Invoke", capture)
    client.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
print(json.dumps(urls))
"""
    result = subprocess.run(
        [sys.executable, "-c", driver, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    theirs = json.loads(result.stdout)
    ours = [
        lambda_endpoint("us-gov-west-1", case) + "/2015-03-31/functions/f/invocations"
        for case in cases
    ]
    assert ours == theirs


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:1", "AWS_USE_FIPS_ENDPOINT": "true"},
            "AWS_USE_FIPS_ENDPOINT",
        ),
        (
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
            "AWS_USE_DUALSTACK_ENDPOINT",
        ),
        ({"AWS_USE_FIPS_ENDPOINT": "yes"}, "AWS_USE_FIPS_ENDPOINT"),
        ({"AWS_USE_DUALSTACK_ENDPOINT": "1"}, "AWS_USE_DUALSTACK_ENDPOINT"),
        ({"AWS_ENDPOINT_URL_LAMBDA": "localhost:4566"}, "AWS_ENDPOINT_URL_LAMBDA"),
        ({"AWS_ENDPOINT_URL": "ftp://x"}, "AWS_ENDPOINT_URL"),
    ],
)
def test_settings_no_sdk_would_accept_are_refused_naming_the_variable(env, named):
    with pytest.raises(ConfigError) as refused:
        lambda_endpoint("us-east-1", env)
    assert named in str(refused.value)


def test_botocores_rules_refuse_the_same_combinations():
    # The refusals above are botocore's too, not an invention of the hand-over.
    provider = EndpointProvider(
        ruleset_data=_LOADER.load_service_model("lambda", "endpoint-rule-set-1"),
        partition_data=_LOADER.load_data("partitions"),
    )
    for flags in ({"UseFIPS": True}, {"UseDualStack": True}):
        params = {"UseFIPS": False, "UseDualStack": False, **flags}
        with pytest.raises(EndpointResolutionError):
            provider.resolve_endpoint(Region="us-east-1", Endpoint="http://127.0.0.1:1", **params)


def test_reading_the_partitions_imports_no_aws_sdk():
    driver = """
import json, sys
from bot.aws.endpoints import lambda_endpoint
print(lambda_endpoint("eu-west-1", {}))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))))
"""
    result = subprocess.run(
        [sys.executable, "-c", driver],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 0, result.stderr
    url, loaded = result.stdout.splitlines()
    assert url == "https://lambda.eu-west-1.amazonaws.com"
    assert json.loads(loaded) == []
