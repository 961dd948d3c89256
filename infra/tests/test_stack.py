"""Checks on the synthesized CloudFormation template of MemoryBotStack.

Each test pins one property that, if lost, breaks the deployment or weakens its security in a
way CloudFormation would not report (or would report only halfway through a deploy).
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from connection_budget import (
    CONNECTIONS_PER_CONTAINER,
    MIGRATION_CONNECTIONS,
    OPERATOR_CONNECTIONS,
    RESERVED_BY_AURORA,
    bot_concurrency,
    max_connections,
)
from memory_bot_stack import (
    APP_SECRET_KEYS,
    BOT_HANDLER,
    DATABASE_MAX_ACU,
    DIGEST_EVENT,
    MIGRATE_HANDLER,
    SIGNING_SECRET_KEYS,
    SWEEP_EVENT,
    WORKER_ALIAS,
    MemoryBotStack,
)

from bot.db.storage import open_pool
from bot.jobs.deadlines import FUNCTION_TIMEOUT_S

INFRA_DIR = Path(__file__).resolve().parents[1]


def synth(tmp_path_factory: pytest.TempPathFactory, **props) -> cdk.Stack:
    code_dir = tmp_path_factory.mktemp("lambda_code")
    (code_dir / "placeholder.py").write_text("# stands in for dist/lambda.zip\n")
    app = cdk.App()
    stack = MemoryBotStack(
        app, "TestMemoryBot", code=lambda_.Code.from_asset(str(code_dir)), **props
    )
    # The AwsSolutions pack runs as part of synthesis and reports through annotations.
    cdk.Aspects.of(app).add(AwsSolutionsChecks())
    return stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> cdk.Stack:
    return synth(tmp_path_factory)


@pytest.fixture(scope="module")
def template(stack: cdk.Stack) -> Template:
    # from_stack also rejects a template with a dependency cycle, which is what a
    # self-invoke permission placed in the function's own default policy would create.
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def resources(template: Template) -> dict:
    return template.to_json()["Resources"]


def logical_ids(resources: dict, type_: str, **props) -> list[str]:
    """Logical ids of resources of a type whose properties include the given values."""
    return [
        lid
        for lid, res in resources.items()
        if res["Type"] == type_
        and all(res.get("Properties", {}).get(k) == v for k, v in props.items())
    ]


def only(ids: list[str]) -> str:
    assert len(ids) == 1, ids
    return ids[0]


@pytest.fixture(scope="module")
def public_fn(resources: dict) -> str:
    """The function behind the Function URL."""
    url = resources[only(logical_ids(resources, "AWS::Lambda::Url"))]["Properties"]
    return url["TargetFunctionArn"]["Fn::GetAtt"][0]


@pytest.fixture(scope="module")
def worker_alias(resources: dict) -> str:
    return only(logical_ids(resources, "AWS::Lambda::Alias"))


@pytest.fixture(scope="module")
def worker_fn(resources: dict, worker_alias: str) -> str:
    return resources[worker_alias]["Properties"]["FunctionName"]["Ref"]


@pytest.fixture(scope="module")
def migrate_fn(resources: dict) -> str:
    return only(logical_ids(resources, "AWS::Lambda::Function", Handler=MIGRATE_HANDLER))


@pytest.fixture(scope="module")
def db_secret_attachment(resources: dict) -> str:
    # Its Ref is the cluster secret's ARN, once host/port/dbname have been attached to it.
    return only(logical_ids(resources, "AWS::SecretsManager::SecretTargetAttachment"))


def env_of(resources: dict, function_id: str) -> dict:
    return resources[function_id]["Properties"]["Environment"]["Variables"]


# Found through the variables that name them rather than by content, so a secret with the wrong
# content still reaches the tests that check content.
@pytest.fixture(scope="module")
def app_secret(resources: dict, worker_fn: str) -> str:
    return env_of(resources, worker_fn)["BOT_SECRET_ID"]["Ref"]


@pytest.fixture(scope="module")
def signing_secret(resources: dict, public_fn: str) -> str:
    return env_of(resources, public_fn)["SIGNING_SECRET_ID"]["Ref"]


def statements_of_role(resources: dict, role_id: str) -> list[dict]:
    found = []
    for res in resources.values():
        if res["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in res["Properties"]["Roles"]:
            found += res["Properties"]["PolicyDocument"]["Statement"]
    return found


def role_of(resources: dict, function_id: str) -> str:
    return resources[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# --- database -----------------------------------------------------------------------------


def test_aurora_serverless_v2_can_pause_to_zero(template: Template) -> None:
    template.has_resource_properties(
        "AWS::RDS::DBCluster",
        {
            "Engine": "aurora-postgresql",
            "ServerlessV2ScalingConfiguration": {
                "MinCapacity": 0,
                "MaxCapacity": Match.any_value(),
            },
        },
    )
    template.resource_count_is("AWS::RDS::DBInstance", 1)
    template.has_resource_properties("AWS::RDS::DBInstance", {"DBInstanceClass": "db.serverless"})


def test_aurora_version_is_16_with_auto_pause_support(resources: dict) -> None:
    cluster = resources[only(logical_ids(resources, "AWS::RDS::DBCluster"))]["Properties"]
    major, minor = (int(part) for part in cluster["EngineVersion"].split("."))
    # Min capacity 0 is refused by Aurora PostgreSQL before 16.3.
    assert major == 16 and minor >= 3, cluster["EngineVersion"]


def test_database_survives_operators_by_default(resources: dict) -> None:
    cluster = resources[only(logical_ids(resources, "AWS::RDS::DBCluster"))]["Properties"]
    assert cluster["DeletionProtection"] is True
    assert cluster["BackupRetentionPeriod"] == 7


def test_deletion_protection_and_backups_are_stack_props(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    stack = synth(tmp_path_factory, deletion_protection=False, backup_retention_days=14)
    resources = Template.from_stack(stack).to_json()["Resources"]
    cluster = resources[only(logical_ids(resources, "AWS::RDS::DBCluster"))]["Properties"]
    assert cluster["DeletionProtection"] is False
    assert cluster["BackupRetentionPeriod"] == 14


def test_database_refuses_connections_without_tls(resources: dict) -> None:
    cluster = resources[only(logical_ids(resources, "AWS::RDS::DBCluster"))]["Properties"]
    group = resources[cluster["DBClusterParameterGroupName"]["Ref"]]
    assert group["Type"] == "AWS::RDS::DBClusterParameterGroup"
    assert group["Properties"]["Parameters"]["rds.force_ssl"] == "1"
    # The CA whose root the bot ships (bot/certs) and verifies the server against.
    writer = resources[only(logical_ids(resources, "AWS::RDS::DBInstance"))]["Properties"]
    assert writer["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"


def test_database_is_encrypted_with_generated_credentials(template: Template) -> None:
    template.has_resource_properties(
        "AWS::RDS::DBCluster",
        {
            "StorageEncrypted": True,
            "DatabaseName": "memory",
            "MasterUsername": "membot",
            "MasterUserPassword": Match.object_like(
                {"Fn::Join": ["", Match.array_with(["{{resolve:secretsmanager:"])]}
            ),
        },
    )


def test_postgres_reachable_only_from_the_lambda_security_group(
    resources: dict, worker_fn: str, migrate_fn: str
) -> None:
    lambda_sgs = {
        sg["Fn::GetAtt"][0]
        for fn in (worker_fn, migrate_fn)
        for sg in resources[fn]["Properties"]["VpcConfig"]["SecurityGroupIds"]
    }
    assert len(lambda_sgs) == 1
    cluster = resources[only(logical_ids(resources, "AWS::RDS::DBCluster"))]["Properties"]
    db_sg = only(cluster["VpcSecurityGroupIds"])["Fn::GetAtt"][0]
    assert db_sg not in lambda_sgs

    db_sg_props = resources[db_sg]["Properties"]
    assert not db_sg_props.get("SecurityGroupIngress"), "no inline (e.g. CIDR) ingress rules"
    ingress = [
        {k: v for k, v in res["Properties"].items() if k != "Description"}
        for res in resources.values()
        if res["Type"] == "AWS::EC2::SecurityGroupIngress"
        and res["Properties"]["GroupId"] == {"Fn::GetAtt": [db_sg, "GroupId"]}
    ]
    assert ingress == [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "SourceSecurityGroupId": {"Fn::GetAtt": [lambda_sgs.pop(), "GroupId"]},
            "GroupId": {"Fn::GetAtt": [db_sg, "GroupId"]},
        }
    ]


# --- network ------------------------------------------------------------------------------


def test_one_nat_gateway_and_lambdas_in_subnets_routed_through_it(
    resources: dict, worker_fn: str, migrate_fn: str
) -> None:
    assert len(logical_ids(resources, "AWS::EC2::NatGateway")) == 1
    # A subnet reaches the internet through NAT if its route table has a NAT default route.
    nat_tables = {
        res["Properties"]["RouteTableId"]["Ref"]
        for res in resources.values()
        if res["Type"] == "AWS::EC2::Route" and "NatGatewayId" in res["Properties"]
    }
    nat_subnets = {
        res["Properties"]["SubnetId"]["Ref"]
        for res in resources.values()
        if res["Type"] == "AWS::EC2::SubnetRouteTableAssociation"
        and res["Properties"]["RouteTableId"]["Ref"] in nat_tables
    }
    for fn in (worker_fn, migrate_fn):
        subnets = {s["Ref"] for s in resources[fn]["Properties"]["VpcConfig"]["SubnetIds"]}
        assert len(subnets) == 2 and subnets <= nat_subnets, fn


# --- the two functions ----------------------------------------------------------------------


def test_both_functions_run_the_one_zip_and_handler(
    resources: dict, public_fn: str, worker_fn: str, migrate_fn: str
) -> None:
    for fn in (public_fn, worker_fn):
        props = resources[fn]["Properties"]
        assert props["Handler"] == BOT_HANDLER == "bot.lambda_handler.handler"
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["x86_64"]
        assert props["MemorySize"] == 512
        assert props["Code"] == resources[migrate_fn]["Properties"]["Code"]
    # The job budget in bot/jobs/deadlines.py, not a number of its own.
    assert resources[worker_fn]["Properties"]["Timeout"] == FUNCTION_TIMEOUT_S
    # The public one only acks.
    assert resources[public_fn]["Properties"]["Timeout"] <= 10


def test_worker_concurrency_fits_the_database_connections(
    resources: dict, worker_fn: str, public_fn: str
) -> None:
    reserved = resources[worker_fn]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == bot_concurrency(DATABASE_MAX_ACU)
    # Every container's full pool, the migration's pool and the kept headroom, within the cap.
    used = reserved * CONNECTIONS_PER_CONTAINER + MIGRATION_CONNECTIONS + OPERATOR_CONNECTIONS
    assert used + RESERVED_BY_AURORA <= max_connections(DATABASE_MAX_ACU)
    # ...and one more container would not fit.
    assert used + CONNECTIONS_PER_CONTAINER + RESERVED_BY_AURORA > max_connections(DATABASE_MAX_ACU)
    # Junk at the URL runs the public function, which has its own concurrency, not this.
    assert "ReservedConcurrentExecutions" not in resources[public_fn]["Properties"]


def test_connection_budget_uses_the_pool_size_the_bot_opens() -> None:
    assert inspect.signature(open_pool).parameters["max_size"].default == (
        CONNECTIONS_PER_CONTAINER
    )


def test_max_connections_follows_the_documented_rows() -> None:
    assert max_connections(1) == 189
    # Between two documented rows, only the lower one is certain.
    assert max_connections(2) == 189
    assert max_connections(4) == 823
    assert max_connections(64) == 5000
    with pytest.raises(ValueError):
        max_connections(0.5)


# --- failures land somewhere ----------------------------------------------------------------


@pytest.fixture(scope="module")
def failure_queue(resources: dict, worker_fn: str, worker_alias: str) -> str:
    config = resources[only(logical_ids(resources, "AWS::Lambda::EventInvokeConfig"))]
    assert config["Properties"]["FunctionName"] == {"Ref": worker_fn}
    # The alias's invocation settings: jobs invoke the alias, and each qualifier has its own.
    qualifier = config["Properties"]["Qualifier"]["Fn::Select"]
    assert qualifier == [7, {"Fn::Split": [":", {"Ref": worker_alias}]}]
    destination = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    return destination["Fn::GetAtt"][0]


def test_failed_async_jobs_go_to_an_encrypted_queue_kept_14_days(
    resources: dict, failure_queue: str, worker_fn: str
) -> None:
    queue = resources[failure_queue]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    # The function's role may send there, or the destination silently drops the event.
    sends = [
        st
        for st in statements_of_role(resources, role_of(resources, worker_fn))
        if "sqs:SendMessage" in as_list(st["Action"])
    ]
    assert [st["Resource"] for st in sends] == [{"Fn::GetAtt": [failure_queue, "Arn"]}]


def test_failure_queue_refuses_plain_http(resources: dict, failure_queue: str) -> None:
    policies = [
        res["Properties"]
        for res in resources.values()
        if res["Type"] == "AWS::SQS::QueuePolicy"
        and {"Ref": failure_queue} in res["Properties"]["Queues"]
    ]
    denies = [
        st
        for policy in policies
        for st in policy["PolicyDocument"]["Statement"]
        if st["Effect"] == "Deny"
    ]
    assert any(st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for st in denies)


@pytest.fixture(scope="module")
def alarms(resources: dict) -> dict[str, dict]:
    """Alarms by metric name, and for Lambda's metrics by metric name and function."""
    found = {}
    for res in resources.values():
        if res["Type"] == "AWS::CloudWatch::Alarm":
            props = res["Properties"]
            key = props["MetricName"]
            if props["Namespace"] == "AWS/Lambda":
                (dimension,) = props["Dimensions"]
                assert dimension["Name"] == "FunctionName"
                key = f"{key} of {dimension['Value']['Ref']}"
            found[key] = props
    return found


def test_alarms_watch_errors_throttles_failed_jobs_and_database_capacity(
    alarms: dict[str, dict], public_fn: str, worker_fn: str, failure_queue: str
) -> None:
    lambda_alarms = {
        f"{metric} of {fn}" for metric in ("Errors", "Throttles") for fn in (public_fn, worker_fn)
    }
    assert set(alarms) == lambda_alarms | {
        "ApproximateNumberOfMessagesVisible",
        "ServerlessDatabaseCapacity",
    }
    for name in lambda_alarms:
        alarm = alarms[name]
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["Threshold"] == 1

    queue = alarms["ApproximateNumberOfMessagesVisible"]
    assert queue["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [failure_queue, "QueueName"]}}
    ]
    # A single failed job is worth a look.
    assert queue["ComparisonOperator"] == "GreaterThanThreshold"
    assert queue["Threshold"] == 0

    capacity = alarms["ServerlessDatabaseCapacity"]
    assert capacity["Namespace"] == "AWS/RDS"
    assert capacity["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert capacity["Threshold"] == DATABASE_MAX_ACU
    assert capacity["Statistic"] == "Maximum"


def test_every_alarm_notifies_the_one_topic(resources: dict, alarms: dict[str, dict]) -> None:
    topic = only(logical_ids(resources, "AWS::SNS::Topic"))
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": topic}], name
        # Nothing happening (a paused database, an idle bot) is not an alarm.
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_alarm_email_is_a_deploy_parameter_subscribed_only_when_given(
    template: Template, resources: dict
) -> None:
    parameters = template.to_json()["Parameters"]
    assert parameters["AlarmEmail"]["Type"] == "String"
    assert parameters["AlarmEmail"]["Default"] == ""
    topic = only(logical_ids(resources, "AWS::SNS::Topic"))
    subscription = resources[only(logical_ids(resources, "AWS::SNS::Subscription"))]
    assert subscription["Properties"] == {
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
        "TopicArn": {"Ref": topic},
    }
    condition = template.to_json()["Conditions"][subscription["Condition"]]
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}


def _schedule(resources: dict, expression: str) -> dict:
    rules = [
        res["Properties"]
        for res in resources.values()
        if res["Type"] == "AWS::Events::Rule"
        and res["Properties"].get("ScheduleExpression") == expression
    ]
    assert len(rules) == 1, rules
    return rules[0]


def test_daily_sweep_invokes_the_workers_alias_with_the_sweep_task(
    resources: dict, worker_alias: str
) -> None:
    rule = _schedule(resources, "rate(1 day)")
    assert rule["State"] == "ENABLED"
    target = only(rule["Targets"])
    assert target["Arn"] == {"Ref": worker_alias}
    assert json.loads(target["Input"]) == SWEEP_EVENT == {"memory_bot_task": "sweep"}


def test_the_digest_runs_every_hour_in_the_worker(resources: dict, worker_alias: str) -> None:
    rule = _schedule(resources, "rate(1 hour)")
    assert rule["State"] == "ENABLED"
    target = only(rule["Targets"])
    assert target["Arn"] == {"Ref": worker_alias}
    assert json.loads(target["Input"]) == DIGEST_EVENT == {"memory_bot_task": "digest"}


def test_the_schedules_may_invoke_the_workers_alias_and_nothing_else(
    resources: dict, worker_alias: str
) -> None:
    rules = [lid for lid, res in resources.items() if res["Type"] == "AWS::Events::Rule"]
    assert len(rules) == 2
    allowed = [
        res["Properties"]
        for res in resources.values()
        if res["Type"] == "AWS::Lambda::Permission"
        and res["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert [p["FunctionName"] for p in allowed] == [{"Ref": worker_alias}] * 2
    assert sorted(p["SourceArn"]["Fn::GetAtt"][0] for p in allowed) == sorted(rules)


# --- least privilege: each role's secrets, network and invocations ----------------------------


def secrets_readable_by(resources: dict, function_id: str) -> set[str]:
    """Logical ids of the secrets (or the cluster's secret attachment) a function's role may
    read."""
    return {
        resource["Ref"]
        for st in statements_of_role(resources, role_of(resources, function_id))
        if st["Effect"] == "Allow"
        and any(a.startswith("secretsmanager:") or a == "*" for a in as_list(st["Action"]))
        for resource in as_list(st["Resource"])
    }


def test_each_role_reads_exactly_the_secrets_it_needs(
    resources: dict,
    public_fn: str,
    worker_fn: str,
    migrate_fn: str,
    signing_secret: str,
    app_secret: str,
    db_secret_attachment: str,
) -> None:
    assert secrets_readable_by(resources, public_fn) == {signing_secret}
    assert secrets_readable_by(resources, worker_fn) == {
        signing_secret,
        app_secret,
        db_secret_attachment,
    }
    assert secrets_readable_by(resources, migrate_fn) == {db_secret_attachment}
    # And nothing else in the stack (the trigger's provider, the flow log role) reads any.
    readers = {
        res["Properties"]["Roles"][0]["Ref"]
        for res in resources.values()
        if res["Type"] == "AWS::IAM::Policy"
        and any(
            a.startswith("secretsmanager:")
            for st in res["Properties"]["PolicyDocument"]["Statement"]
            for a in as_list(st["Action"])
        )
    }
    assert readers == {role_of(resources, fn) for fn in (public_fn, worker_fn, migrate_fn)}


def test_each_function_is_told_only_the_secrets_it_may_read(
    resources: dict,
    public_fn: str,
    worker_fn: str,
    migrate_fn: str,
    signing_secret: str,
    app_secret: str,
    db_secret_attachment: str,
) -> None:
    public = env_of(resources, public_fn)
    assert set(public) == {"SIGNING_SECRET_ID", "BOT_WORKER_FUNCTION", "LOG_LEVEL"}
    assert public["SIGNING_SECRET_ID"] == {"Ref": signing_secret}
    worker = env_of(resources, worker_fn)
    assert worker["SIGNING_SECRET_ID"] == {"Ref": signing_secret}
    assert worker["BOT_SECRET_ID"] == {"Ref": app_secret}
    assert worker["DATABASE_SECRET_ID"] == {"Ref": db_secret_attachment}
    assert worker["EMBEDDING_MODEL"] == "text-embedding-3-small"
    assert worker["EMBEDDING_DIMS"] == "1536"
    assert worker["LOG_LEVEL"] == "INFO"
    assert worker["CHAT_MODEL"] and worker["MEMORY_MODEL"]
    assert "BOT_WORKER_FUNCTION" not in worker
    assert env_of(resources, migrate_fn) == {
        "DATABASE_SECRET_ID": {"Ref": db_secret_attachment},
        "EMBEDDING_DIMS": "1536",
        "LOG_LEVEL": "INFO",
    }


def test_the_public_function_has_no_network_path_to_the_database(
    resources: dict, public_fn: str
) -> None:
    props = resources[public_fn]["Properties"]
    assert "VpcConfig" not in props
    role = resources[role_of(resources, public_fn)]["Properties"]
    managed = json.dumps(role["ManagedPolicyArns"])
    assert "AWSLambdaBasicExecutionRole" in managed
    assert "VPCAccess" not in managed
    actions = {
        a
        for st in statements_of_role(resources, role_of(resources, public_fn))
        for a in as_list(st["Action"])
    }
    assert not {a for a in actions if a.startswith(("ec2:", "rds", "rds-db:", "sqs:"))}


def test_the_public_function_hands_jobs_to_the_workers_alias_and_may_invoke_nothing_else(
    resources: dict, public_fn: str, worker_fn: str, worker_alias: str
) -> None:
    assert env_of(resources, public_fn)["BOT_WORKER_FUNCTION"] == {"Ref": worker_alias}
    invoke = [
        resource
        for st in statements_of_role(resources, role_of(resources, public_fn))
        if any(a.startswith("lambda:") for a in as_list(st["Action"]))
        for resource in as_list(st["Resource"])
    ]
    assert invoke == [{"Ref": worker_alias}]
    for st in statements_of_role(resources, role_of(resources, public_fn)):
        if "lambda:InvokeFunction" in as_list(st["Action"]):
            assert as_list(st["Action"]) == ["lambda:InvokeFunction"]
    # The worker invokes only its own alias: the hourly digest run hands each person's digest
    # to a fresh invocation of it.
    worker_invokes = [
        st
        for st in statements_of_role(resources, role_of(resources, worker_fn))
        if any(a.startswith("lambda:") for a in as_list(st["Action"]))
    ]
    (own,) = worker_invokes
    assert as_list(own["Action"]) == ["lambda:InvokeFunction"]
    arn = json.dumps(own["Resource"])
    assert resources[worker_fn]["Properties"]["FunctionName"] in arn and ":live" in arn


def test_the_worker_starts_from_a_snapstart_snapshot_of_its_published_version(
    resources: dict, worker_fn: str, worker_alias: str
) -> None:
    assert resources[worker_fn]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    alias = resources[worker_alias]["Properties"]
    assert alias["Name"] == WORKER_ALIAS
    version_id = alias["FunctionVersion"]["Fn::GetAtt"][0]
    assert resources[version_id]["Type"] == "AWS::Lambda::Version"
    assert resources[version_id]["Properties"]["FunctionName"] == {"Ref": worker_fn}
    # Nothing invokes $LATEST, which SnapStart doesn't apply to.
    for res in resources.values():
        if res["Type"] == "AWS::Lambda::Permission":
            assert res["Properties"]["FunctionName"] != {"Fn::GetAtt": [worker_fn, "Arn"]}


def test_snapstart_is_a_stack_prop_for_regions_without_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    resources = Template.from_stack(synth(tmp_path_factory, snap_start=False)).to_json()[
        "Resources"
    ]
    (worker,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("ReservedConcurrentExecutions")
    ]
    assert "SnapStart" not in worker
    # The alias stays: every job still invokes it.
    assert len(logical_ids(resources, "AWS::Lambda::Alias")) == 1


def test_no_wildcard_lambda_invoke_anywhere(resources: dict) -> None:
    def statements(res: dict) -> list[dict]:
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Policy":
            return props["PolicyDocument"]["Statement"]
        if res["Type"] == "AWS::IAM::Role":
            return [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
        return []

    for lid, res in resources.items():
        for st in statements(res):
            actions = as_list(st["Action"])
            if any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions):
                assert "*" not in as_list(st["Resource"]), lid


def test_only_the_public_function_has_a_url_and_it_has_both_permissions(
    template: Template, resources: dict, public_fn: str
) -> None:
    fn_arn = {"Fn::GetAtt": [public_fn, "Arn"]}
    template.resource_count_is("AWS::Lambda::Url", 1)
    template.has_resource_properties(
        "AWS::Lambda::Url", {"AuthType": "NONE", "TargetFunctionArn": fn_arn}
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunctionUrl",
            "FunctionName": fn_arn,
            "Principal": "*",
            "FunctionUrlAuthType": "NONE",
        },
    )
    # Required for public URLs since October 2025; without it the URL answers 403.
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": fn_arn,
            "Principal": "*",
            "InvokedViaFunctionUrl": True,
        },
    )


def test_public_invoke_is_limited_to_the_url(resources: dict, public_fn: str) -> None:
    # A bare public lambda:InvokeFunction would let anyone call the function through the
    # Lambda API and skip Slack's signature check entirely.
    for lid, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Lambda::Permission" and props["Principal"] == "*":
            assert props["FunctionName"] == {"Fn::GetAtt": [public_fn, "Arn"]}, lid
            assert (
                props.get("FunctionUrlAuthType") == "NONE"
                or props.get("InvokedViaFunctionUrl") is True
            ), lid


# --- migration ----------------------------------------------------------------------------


def test_migration_trigger_runs_after_the_cluster(resources: dict, migrate_fn: str) -> None:
    props = resources[migrate_fn]["Properties"]
    assert props["Runtime"] == "python3.12"
    # Room to retry while a paused cluster resumes.
    assert props["Timeout"] >= 300

    trigger_id = only(logical_ids(resources, "Custom::Trigger"))
    trigger = resources[trigger_id]
    version_id = trigger["Properties"]["HandlerArn"]["Ref"]
    assert resources[version_id]["Properties"]["FunctionName"] == {"Ref": migrate_fn}
    # Synchronous, so a failed migration fails the deploy.
    assert trigger["Properties"]["InvocationType"] == "RequestResponse"
    assert int(trigger["Properties"]["Timeout"]) >= 300_000
    cluster = only(logical_ids(resources, "AWS::RDS::DBCluster"))
    writer = only(logical_ids(resources, "AWS::RDS::DBInstance"))
    assert {cluster, writer} <= set(trigger["DependsOn"])


# --- secrets, outputs, logs ---------------------------------------------------------------

SECRET_PREFIX = re.compile(r"(?<![A-Za-z0-9])(xoxb-|xoxp-|xapp-|sk-)")


def test_template_holds_no_secret_values(
    template: Template, resources: dict, app_secret: str, signing_secret: str
) -> None:
    text = json.dumps(template.to_json())
    assert not SECRET_PREFIX.search(text)

    def walk(node) -> None:
        if isinstance(node, dict):
            # A literal SecretString would put the value itself into the template.
            assert "SecretString" not in node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template.to_json())
    for secret, keys in ((app_secret, APP_SECRET_KEYS), (signing_secret, SIGNING_SECRET_KEYS)):
        generated = resources[secret]["Properties"]["GenerateSecretString"]
        assert json.loads(generated["SecretStringTemplate"]) == {key: "" for key in keys}
    # The split that lets the public function read the signing secret alone.
    assert SIGNING_SECRET_KEYS == ("SLACK_SIGNING_SECRET",)
    assert "SLACK_SIGNING_SECRET" not in APP_SECRET_KEYS


def test_outputs_give_slack_request_url_and_both_secrets(
    template: Template, app_secret: str, signing_secret: str
) -> None:
    outputs = template.to_json()["Outputs"]
    url = outputs["SlackRequestUrl"]["Value"]["Fn::Join"]
    assert url[1][-1] == "slack/events"
    assert url[1][0]["Fn::GetAtt"][1] == "FunctionUrl"
    assert outputs["AppSecretArn"]["Value"] == {"Ref": app_secret}
    assert "SLACK_SIGNING_SECRET" in outputs["SigningSecretName"]["Description"]
    assert "SLACK_BOT_TOKEN" in outputs["AppSecretName"]["Description"]


def test_outputs_name_what_bot_replay_failed_needs(template: Template, worker_alias: str) -> None:
    outputs = template.to_json()["Outputs"]
    # Failed jobs are the worker's: replayed to its alias, as they were first invoked.
    assert outputs["BotFunctionName"]["Value"] == {"Ref": worker_alias}
    queue = outputs["FailureQueueUrl"]["Value"]["Ref"]
    assert template.to_json()["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def test_log_groups_keep_a_month(
    resources: dict, public_fn: str, worker_fn: str, migrate_fn: str
) -> None:
    for fn in (public_fn, worker_fn, migrate_fn):
        group = resources[fn]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Properties"]["RetentionInDays"] == 30


# --- cdk-nag ----------------------------------------------------------------------------------


def test_aws_solutions_checks_find_nothing_unsuppressed(stack: cdk.Stack) -> None:
    annotations = Annotations.from_stack(stack)
    findings = [
        f"{message.id}: {message.entry.data}"
        for find in (annotations.find_error, annotations.find_warning)
        for message in find("*", Match.string_like_regexp("AwsSolutions-.*"))
    ]
    assert findings == []


def test_every_suppression_says_why(template: Template) -> None:
    suppressions = [
        rule
        for res in template.to_json()["Resources"].values()
        for rule in res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert suppressions, "the stack's suppressions are recorded in its metadata"
    for rule in suppressions:
        assert len(rule["reason"]) >= 40, rule


# --- app entry point ----------------------------------------------------------------------


def test_app_explains_a_missing_zip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("memory_bot_cdk_app", INFRA_DIR / "app.py")
    assert spec and spec.loader
    app_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app_module)
    monkeypatch.setattr(app_module, "LAMBDA_ZIP", tmp_path / "missing.zip")
    with pytest.raises(SystemExit) as exc:
        app_module.main()
    assert "make package" in str(exc.value.code)
