"""The whole deployment: VPC, Aurora Serverless v2, the bot Lambda and its public URL.

Plus what keeps it running unattended: a failure queue for async jobs, alarms, a daily sweep,
and the database's guards (deletion protection, backups, TLS only).
"""

from __future__ import annotations

import json

from alarms import Alarms
from aws_cdk import (
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
from bot.jobs.freshness import ASYNC_MAX_EVENT_AGE_S, FAILURE_RETENTION_DAYS

BOT_HANDLER = "bot.lambda_handler.handler"
MIGRATE_HANDLER = "bot.lambda_handler.migrate_handler"

# Keys the user fills in after the first deploy. Only the names live here: the values are typed
# into Secrets Manager, never into this template.
APP_SECRET_KEYS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY")

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

# What the daily schedule sends the bot function; bot.lambda_handler runs the sweep for it.
SWEEP_EVENT = {"memory_bot_task": "sweep"}
# Lambda keeps a failed async event for at most 6 h of retries; the queue keeps it 14 days, the
# SQS maximum, so a failure over a long weekend is still there to replay after the fix. Both
# come from bot/jobs/freshness.py, whose worker refuses jobs older than they allow.
MAX_EVENT_AGE = Duration.seconds(ASYNC_MAX_EVENT_AGE_S)
FAILURE_RETENTION = Duration.days(FAILURE_RETENTION_DAYS)


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

        # CloudFormation only lets a template *generate* a JSON secret if one key gets a random
        # value, so the placeholders ride along with an unused one. The value is generated once,
        # at creation; later deploys leave what the user typed in alone unless the
        # generate_secret_string block itself changes, which would regenerate (and wipe) it.
        self.app_secret = secretsmanager.Secret(
            self,
            "AppSecret",
            description=(
                "Slack memory bot: fill in " + ", ".join(APP_SECRET_KEYS) + " after deploying"
            ),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({key: "" for key in APP_SECRET_KEYS}),
                generate_string_key="UNUSED_GENERATED",
                exclude_punctuation=True,
            ),
        )

        NagSuppressions.add_resource_suppressions(
            self.app_secret,
            [
                {
                    "id": "AwsSolutions-SMG4",
                    "reason": "It holds Slack and OpenAI tokens, which only Slack and OpenAI can "
                    "issue: there is nothing a rotation function could generate.",
                }
            ],
        )

        environment = {
            "BOT_SECRET_ID": self.app_secret.secret_arn,
            "DATABASE_SECRET_ID": db_secret.secret_arn,
            "CHAT_MODEL": chat_model,
            "MEMORY_MODEL": memory_model,
            "EMBEDDING_MODEL": EMBEDDING_MODEL,
            "EMBEDDING_DIMS": str(EMBEDDING_DIMS),
            "LOG_LEVEL": "INFO",
        }
        common = dict(
            code=code,
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.X86_64,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[lambda_sg],
            environment=environment,
            memory_size=512,
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
                    "reason": "This queue is itself the dead-letter destination of the bot's "
                    "async invocations; a queue behind it would only move the same messages.",
                }
            ],
        )

        self.function = lambda_.Function(
            self,
            "BotFunction",
            handler=BOT_HANDLER,
            description="Slack memory bot: Slack events and the async worker",
            # A job's whole budget (database resume, answer, learning, last word) plus start-up;
            # bot/jobs/deadlines.py spells it out.
            timeout=Duration.seconds(FUNCTION_TIMEOUT_S),
            # Every container may hold a pool of connections: at most as many containers as
            # Aurora has connections for (infra/connection_budget.py). The public URL can't then
            # exhaust the database, only be throttled, which is alarmed.
            reserved_concurrent_executions=bot_concurrency(DATABASE_MAX_ACU),
            on_failure=destinations.SqsDestination(self.failure_queue),
            max_event_age=MAX_EVENT_AGE,
            log_group=self._log_group("BotLogs"),
            **common,
        )
        for secret in (self.app_secret, db_secret):
            secret.grant_read(self.function)
        # Erasing a person takes their failed jobs (their words) out of the queue.
        self.function.add_environment("FAILURE_QUEUE_URL", self.failure_queue.queue_url)
        self.failure_queue.grant_consume_messages(self.function)
        self._allow_self_invoke(self.function)

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
            handler=MIGRATE_HANDLER,
            description="Slack memory bot: database migration, run by CloudFormation on deploy",
            # Long enough for the handler to keep retrying while a paused cluster resumes.
            timeout=Duration.minutes(5),
            execute_after=[self.cluster],
            log_group=self._log_group("MigrateLogs"),
            **common,
        )
        for secret in (self.app_secret, db_secret):
            secret.grant_read(self.migration)
        for function in (self.function, self.migration):
            self._acknowledge_lambda_defaults(function)

        # Once a day the bot expires old memories; the handler recognises this exact event.
        events.Rule(
            self,
            "DailySweep",
            description="Slack memory bot: daily sweep of expired memories",
            schedule=events.Schedule.rate(Duration.days(1)),
            targets=[
                events_targets.LambdaFunction(
                    self.function,
                    event=events.RuleTargetInput.from_object(SWEEP_EVENT),
                    # EventBridge's own retries; a sweep that still fails goes to the failure
                    # queue like any async invocation of the function.
                    retry_attempts=2,
                )
            ],
        )

        self.alarms = Alarms(
            self,
            "Alarms",
            function=self.function,
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
        CfnOutput(
            self,
            "AppSecretName",
            description="Fill in " + ", ".join(APP_SECRET_KEYS) + " in this secret",
            value=self.app_secret.secret_name,
        )
        CfnOutput(self, "AppSecretArn", value=self.app_secret.secret_arn)
        # What `bot replay-failed` needs (FAILURE_QUEUE_URL, BOT_FUNCTION_NAME).
        CfnOutput(
            self,
            "FailureQueueUrl",
            description="FAILURE_QUEUE_URL for bot replay-failed",
            value=self.failure_queue.queue_url,
        )
        CfnOutput(
            self,
            "BotFunctionName",
            description="BOT_FUNCTION_NAME for bot replay-failed",
            value=self.function.function_name,
        )

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
        NagSuppressions.add_resource_suppressions(
            function.role,
            [
                {
                    "id": "AwsSolutions-IAM4",
                    "reason": "AWSLambdaBasicExecutionRole (its own log streams) and "
                    "AWSLambdaVPCAccessExecutionRole (its network interfaces) are what every "
                    "Lambda in a VPC needs; AWS keeps them current as Lambda changes.",
                    "applies_to": [
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AWSLambdaBasicExecutionRole",
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AWSLambdaVPCAccessExecutionRole",
                    ],
                }
            ],
        )

    def _allow_self_invoke(self, function: lambda_.Function) -> None:
        """Let the function hand slow work to an async invocation of itself, and nothing else.

        The statement cannot go into the role's default policy: the function depends on that
        policy, and a policy naming the function's ARN would depend on the function (a cycle).
        A separate policy attached to the same role has no such edge.
        """
        assert function.role is not None
        policy = iam.Policy(
            self,
            "BotSelfInvokePolicy",
            roles=[function.role],
            statements=[
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    # The bare ARN plus qualified ones (versions/aliases) of this function only.
                    resources=[function.function_arn, f"{function.function_arn}:*"],
                )
            ],
        )
        NagSuppressions.add_resource_suppressions(
            policy,
            [
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": "The wildcard is the version/alias qualifier of this one function, "
                    "so a published version or alias can hand jobs to itself too.",
                    "applies_to": ["Resource::<BotFunctionDDD880E8.Arn>:*"],
                }
            ],
        )
