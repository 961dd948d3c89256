"""The whole deployment: VPC, Aurora Serverless v2, the bot's two Lambda functions and the URL.

Least privilege, from the one zip: the public function behind the Function URL holds only the
Slack signing secret, sits outside the VPC and may invoke the worker and nothing else; the worker
(SnapStart, in the VPC) holds the tokens and the database, with a reserved concurrency Aurora has
connections for; the deploy-time migration reads the database secret alone. Plus what keeps it
running unattended: a failure queue for async jobs, alarms, a daily sweep, the hourly tech digest
run, and the database's guards (deletion protection, backups, TLS only).
"""

from __future__ import annotations

import json

from alarms import Alarms
from aws_cdk import (
    ArnFormat,
    CfnOutput,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    triggers,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagSuppressions
from connection_budget import bot_concurrency
from constructs import Construct

from bot.jobs.deadlines import FUNCTION_TIMEOUT_S

BOT_HANDLER = "bot.lambda_handler.handler"
MIGRATE_HANDLER = "bot.lambda_handler.migrate_handler"

# Keys the user fills in after the first deploy. Only the names live here: the values are typed
# into Secrets Manager, never into this template. Two secrets, because IAM grants a secret
# whole: the public function may read the signing secret and nothing else.
SIGNING_SECRET_KEYS = ("SLACK_SIGNING_SECRET",)
APP_SECRET_KEYS = ("SLACK_BOT_TOKEN", "OPENAI_API_KEY")
# The worker's alias: SnapStart snapshots published versions, and everything that starts a job
# (the hand-over, the daily sweep, bot replay-failed) invokes this alias of the latest one.
WORKER_ALIAS = "live"
# The ack needs Slack's 3 s at most; the rest is room for a slow cold start.
PUBLIC_TIMEOUT_S = 10

DATABASE_NAME = "memory"
DATABASE_USER = "membot"

DEFAULT_CHAT_MODEL = "gpt-4.1-mini"
DEFAULT_MEMORY_MODEL = "gpt-4.1-mini"
EMBEDDING_MODEL = "text-embedding-3-small"
# Must match the pgvector index the migration creates; changing it means re-embedding.
EMBEDDING_DIMS = 1536

# Aurora's ceiling. Reserved concurrency and the "at max capacity" alarm both follow from it.
DATABASE_MAX_ACU = 2
DEFAULT_BACKUP_RETENTION_DAYS = 7

# What the daily schedule sends the worker; bot.lambda_handler runs the sweep for it.
SWEEP_EVENT = {"memory_bot_task": "sweep"}
# What the hourly schedule sends it: the digest run hands one job per person who is due.
DIGEST_EVENT = {"memory_bot_task": "digest"}
# Lambda keeps a failed async event for at most 6 h of retries; the queue keeps it 14 days, the
# SQS maximum, so a failure over a long weekend is still there to replay after the fix.
FAILURE_RETENTION = Duration.days(14)


class MemoryBotStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        chat_model: str = DEFAULT_CHAT_MODEL,
        memory_model: str = DEFAULT_MEMORY_MODEL,
        deletion_protection: bool = True,
        backup_retention_days: int = DEFAULT_BACKUP_RETENTION_DAYS,
        snap_start: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # Aurora needs subnets in two AZs. One NAT gateway instead of one per AZ: it is the
        # largest fixed cost of this stack (~$32/month each), and a bot that already tolerates a
        # 15-30 s database resume can tolerate the rare AZ outage taking its egress down.
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=1,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
                # The Lambda must reach Slack and OpenAI, hence egress through the NAT.
                ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                # The database never talks to the internet.
                ec2.SubnetConfiguration(name="db", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            ],
        )

        # Rejected connections only: what an operator needs to see a misrouted or probing peer,
        # at a fraction of the volume (and cost) of logging every accepted flow.
        vpc.add_flow_log(
            "RejectedFlows",
            traffic_type=ec2.FlowLogTrafficType.REJECT,
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self._log_group("FlowLogs")),
        )

        # The worker and the migration: the two functions that reach the database.
        lambda_sg = ec2.SecurityGroup(
            self,
            "BotSecurityGroup",
            vpc=vpc,
            description="Slack memory bot Lambda functions",
            allow_all_outbound=True,
        )
        db_sg = ec2.SecurityGroup(
            self,
            "DatabaseSecurityGroup",
            vpc=vpc,
            description="Aurora cluster: PostgreSQL from the bot Lambdas only",
            allow_all_outbound=False,
        )
        db_sg.add_ingress_rule(lambda_sg, ec2.Port.tcp(5432), "PostgreSQL from the bot")

        # Scaling to 0 ACUs (auto-pause) needs Aurora PostgreSQL 16.3 or later.
        engine = rds.DatabaseClusterEngine.aurora_postgres(
            version=rds.AuroraPostgresEngineVersion.VER_16_6
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Database",
            engine=engine,
            # The CA the bot verifies against: its root is in bot/certs/rds-global-bundle.pem.
            writer=rds.ClusterInstance.serverless_v2(
                "writer", ca_certificate=rds.CaCertificate.RDS_CA_RSA2048_G1
            ),
            # Paused when idle, so a bot that is talked to a few times a day costs storage only;
            # the first request after a pause waits for the resume.
            serverless_v2_min_capacity=0,
            serverless_v2_max_capacity=DATABASE_MAX_ACU,
            # The server refuses unencrypted connections, whatever a client asks for.
            parameter_group=rds.ParameterGroup(
                self,
                "DatabaseParameters",
                engine=engine,
                description="Slack memory bot: TLS required",
                parameters={"rds.force_ssl": "1"},
            ),
            credentials=rds.Credentials.from_generated_secret(DATABASE_USER),
            default_database_name=DATABASE_NAME,
            storage_encrypted=True,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[db_sg],
            # Memories are the product: a stack deletion keeps a final snapshot, deleting the
            # cluster by hand (or by a replacement) needs protection switched off first, and a
            # week of point-in-time recovery covers a bad migration noticed after a weekend.
            removal_policy=RemovalPolicy.SNAPSHOT,
            deletion_protection=deletion_protection,
            backup=rds.BackupProps(retention=Duration.days(backup_retention_days)),
        )
        db_secret = self.cluster.secret
        assert db_secret is not None  # from_generated_secret always creates one
        NagSuppressions.add_resource_suppressions(
            self.cluster,
            [
                {
                    "id": "AwsSolutions-RDS6",
                    "reason": "The bot logs in with the generated password from Secrets Manager, "
                    "over verify-full TLS. IAM tokens would add a signing step and a token expiry "
                    "to every pooled connection for no gain inside a private, isolated subnet.",
                }
            ],
        )
        # cluster.secret is the attachment; the generated secret itself is the cluster's child.
        NagSuppressions.add_resource_suppressions(
            self.cluster.node.find_child("Secret"),
            [
                {
                    "id": "AwsSolutions-SMG4",
                    "reason": "Each warm container keeps the password in its connection pool; "
                    "rotating it underneath them would break their new connections until they "
                    "recycle. The password never leaves Secrets Manager and the VPC.",
                }
            ],
        )

        self.signing_secret = self._fillable_secret(
            "SigningSecret",
            SIGNING_SECRET_KEYS,
            "It holds Slack's signing secret, which only Slack issues (regenerated in the app's "
            "settings): there is nothing a rotation function could generate.",
        )
        self.app_secret = self._fillable_secret(
            "AppSecret",
            APP_SECRET_KEYS,
            "It holds Slack and OpenAI tokens, which only Slack and OpenAI can issue: there is "
            "nothing a rotation function could generate.",
        )

        # Async jobs that still fail after Lambda's two retries land here, for an operator
        # (alarmed) to look at and re-run with `bot replay-failed` once the cause is fixed.
        self.failure_queue = sqs.Queue(
            self,
            "FailedJobs",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=FAILURE_RETENTION,
        )
        NagSuppressions.add_resource_suppressions(
            self.failure_queue,
            [
                {
                    "id": "AwsSolutions-SQS3",
                    "reason": "This queue is itself the dead-letter destination of the worker's "
                    "async invocations; a queue behind it would only move the same messages.",
                }
            ],
        )

        runtime = dict(
            code=code,
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.X86_64,
            handler=BOT_HANDLER,
            memory_size=512,
        )
        in_vpc = dict(
            vpc=vpc,
            # Slack and OpenAI are reached through the NAT, the database directly.
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[lambda_sg],
        )

        self.worker_name = f"{self.stack_name}-worker"[:64]
        self.worker = lambda_.Function(
            self,
            "WorkerFunction",
            description="Slack memory bot: the worker (answers, memory, sweep, digests)",
            # Named, so its role may invoke its own alias (the hourly digest run hands each
            # person's digest to a fresh invocation) without a reference cycle or a wildcard.
            function_name=self.worker_name,
            # A job's whole budget (database resume, answer, learning, last word) plus start-up;
            # bot/jobs/deadlines.py spells it out.
            timeout=Duration.seconds(FUNCTION_TIMEOUT_S),
            environment={
                "SIGNING_SECRET_ID": self.signing_secret.secret_arn,
                "BOT_SECRET_ID": self.app_secret.secret_arn,
                "DATABASE_SECRET_ID": db_secret.secret_arn,
                "CHAT_MODEL": chat_model,
                "MEMORY_MODEL": memory_model,
                "EMBEDDING_MODEL": EMBEDDING_MODEL,
                "EMBEDDING_DIMS": str(EMBEDDING_DIMS),
                "LOG_LEVEL": "INFO",
            },
            # Every container may hold a pool of connections: at most as many containers as
            # Aurora has connections for (infra/connection_budget.py), throttled (and alarmed)
            # past that. Only signed jobs reach it, so junk at the URL can't use any of it up.
            reserved_concurrent_executions=bot_concurrency(DATABASE_MAX_ACU),
            # A new container is a copy of a snapshot taken after init, with the worker's
            # libraries loaded (bot/aws/snapstart.py), instead of seconds of imports. A prop,
            # for the few regions without SnapStart.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            log_group=self._log_group("WorkerLogs"),
            **runtime,
            **in_vpc,
        )
        for secret in (self.signing_secret, self.app_secret, db_secret):
            secret.grant_read(self.worker)
        self.worker.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    self.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=f"{self.worker_name}:{WORKER_ALIAS}",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        # SnapStart applies to published versions only; each deploy publishes one (its logical
        # id follows the code and configuration) and moves the alias to it.
        self.worker_alias = lambda_.Alias(
            self,
            "WorkerAlias",
            alias_name=WORKER_ALIAS,
            version=self.worker.current_version,
            # Invocation settings belong to a qualifier: these are the alias's, which is what
            # every job invokes.
            on_failure=destinations.SqsDestination(self.failure_queue),
        )

        self.function = lambda_.Function(
            self,
            "BotFunction",
            description="Slack memory bot: Slack's requests, acked and handed to the worker",
            timeout=Duration.seconds(PUBLIC_TIMEOUT_S),
            # No VPC: it talks to nothing but Secrets Manager and Lambda's API, over the
            # internet from Lambda's own network, and has no route to the database at all.
            environment={
                "SIGNING_SECRET_ID": self.signing_secret.secret_arn,
                "BOT_WORKER_FUNCTION": self.worker_alias.function_arn,
                "LOG_LEVEL": "INFO",
            },
            log_group=self._log_group("BotLogs"),
            **runtime,
        )
        self.signing_secret.grant_read(self.function)
        self.worker_alias.grant_invoke(self.function)

        # Slack signs every request and the handler verifies the signature, so the URL itself
        # is public. Since October 2025 AWS wants two statements for a public URL,
        # lambda:InvokeFunctionUrl and lambda:InvokeFunction (limited to calls made through the
        # URL), or it answers 403. This aws-cdk-lib adds both; older releases added only the
        # first, so infra/tests/test_stack.py checks for the pair.
        self.function_url = self.function.add_function_url(
            auth_type=lambda_.FunctionUrlAuthType.NONE
        )

        # Runs the schema migration on every deploy whose code or configuration changed, after
        # the cluster exists. It is synchronous, so a failed migration fails the deploy.
        self.migration = triggers.TriggerFunction(
            self,
            "MigrateFunction",
            description="Slack memory bot: database migration, run by CloudFormation on deploy",
            # Long enough for the handler to keep retrying while a paused cluster resumes.
            timeout=Duration.minutes(5),
            execute_after=[self.cluster],
            environment={
                "DATABASE_SECRET_ID": db_secret.secret_arn,
                "EMBEDDING_DIMS": str(EMBEDDING_DIMS),
                "LOG_LEVEL": "INFO",
            },
            log_group=self._log_group("MigrateLogs"),
            **{**runtime, "handler": MIGRATE_HANDLER},
            **in_vpc,
        )
        db_secret.grant_read(self.migration)
        for function in (self.function, self.worker, self.migration):
            self._acknowledge_lambda_defaults(function)

        # Once a day the worker expires old memories; the handler recognises this exact event.
        events.Rule(
            self,
            "DailySweep",
            description="Slack memory bot: daily sweep of expired memories",
            schedule=events.Schedule.rate(Duration.days(1)),
            targets=[
                events_targets.LambdaFunction(
                    self.worker_alias,
                    event=events.RuleTargetInput.from_object(SWEEP_EVENT),
                    # EventBridge's own retries; a sweep that still fails goes to the failure
                    # queue like any async invocation of the worker.
                    retry_attempts=2,
                )
            ],
        )

        # Every hour the bot sends the tech digests that are due (09:00 in each person's time
        # zone); the run hands each person's digest over as an async job, like Slack's requests.
        events.Rule(
            self,
            "HourlyDigest",
            description="Slack memory bot: hourly run of the personal tech digests",
            schedule=events.Schedule.rate(Duration.hours(1)),
            targets=[
                events_targets.LambdaFunction(
                    self.worker_alias,
                    event=events.RuleTargetInput.from_object(DIGEST_EVENT),
                    # A digest is claimed per person and period, so a retried run sends nothing
                    # twice.
                    retry_attempts=2,
                )
            ],
        )

        self.alarms = Alarms(
            self,
            "Alarms",
            functions={"Worker": self.worker, "Slack": self.function},
            failure_queue=self.failure_queue,
            cluster=self.cluster,
            max_acu=DATABASE_MAX_ACU,
        )

        # The function URL ends in "/", so this is exactly what Slack's Request URL needs.
        CfnOutput(
            self,
            "SlackRequestUrl",
            description="Paste into Slack: Event Subscriptions > Request URL",
            value=Fn.join("", [self.function_url.url, "slack/events"]),
        )
        for construct_id, secret, keys in (
            ("SigningSecretName", self.signing_secret, SIGNING_SECRET_KEYS),
            ("AppSecretName", self.app_secret, APP_SECRET_KEYS),
        ):
            CfnOutput(
                self,
                construct_id,
                description="Fill in " + ", ".join(keys) + " in this secret",
                value=secret.secret_name,
            )
        CfnOutput(self, "AppSecretArn", value=self.app_secret.secret_arn)
        # What `bot replay-failed` needs (FAILURE_QUEUE_URL, BOT_FUNCTION_NAME): failed jobs are
        # the worker's, and go back to its alias.
        CfnOutput(
            self,
            "FailureQueueUrl",
            description="FAILURE_QUEUE_URL for bot replay-failed",
            value=self.failure_queue.queue_url,
        )
        CfnOutput(
            self,
            "BotFunctionName",
            description="BOT_FUNCTION_NAME for bot replay-failed (the worker's alias)",
            value=self.worker_alias.function_arn,
        )

    def _fillable_secret(
        self, construct_id: str, keys: tuple[str, ...], no_rotation: str
    ) -> secretsmanager.Secret:
        """A JSON secret with empty `keys` for the operator to fill in after the first deploy.

        CloudFormation only lets a template *generate* a JSON secret if one key gets a random
        value, so the placeholders ride along with an unused one. The value is generated once,
        at creation; later deploys leave what the user typed in alone unless the
        generate_secret_string block itself changes, which would regenerate (and wipe) it.
        """
        secret = secretsmanager.Secret(
            self,
            construct_id,
            description="Slack memory bot: fill in " + ", ".join(keys) + " after deploying",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({key: "" for key in keys}),
                generate_string_key="UNUSED_GENERATED",
                exclude_punctuation=True,
            ),
        )
        NagSuppressions.add_resource_suppressions(
            secret, [{"id": "AwsSolutions-SMG4", "reason": no_rotation}]
        )
        return secret

    def _log_group(self, construct_id: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            construct_id,
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _acknowledge_lambda_defaults(self, function: lambda_.Function) -> None:
        NagSuppressions.add_resource_suppressions(
            function,
            [
                {
                    "id": "AwsSolutions-L1",
                    "reason": "Python 3.12 is the runtime scripts/package_lambda.py resolves "
                    "wheels for and compiles the .pyc with; a newer runtime is a deliberate "
                    "upgrade of both, not a template edit.",
                }
            ],
        )
        assert function.role is not None
        managed = ["AWSLambdaBasicExecutionRole"]
        if function.is_bound_to_vpc:
            managed.append("AWSLambdaVPCAccessExecutionRole")
        NagSuppressions.add_resource_suppressions(
            function.role,
            [
                {
                    "id": "AwsSolutions-IAM4",
                    "reason": "AWSLambdaBasicExecutionRole (its own log streams) and, in the VPC, "
                    "AWSLambdaVPCAccessExecutionRole (its network interfaces) are what every "
                    "Lambda needs; AWS keeps them current as Lambda changes.",
                    "applies_to": [
                        f"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{name}"
                        for name in managed
                    ],
                }
            ],
        )
