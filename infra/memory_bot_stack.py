"""The whole deployment: VPC, Aurora Serverless v2, the bot Lambda and its public URL."""

from __future__ import annotations

import json

from aws_cdk import (
    CfnOutput,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    triggers,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

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


class MemoryBotStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        chat_model: str = DEFAULT_CHAT_MODEL,
        memory_model: str = DEFAULT_MEMORY_MODEL,
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

        self.cluster = rds.DatabaseCluster(
            self,
            "Database",
            # Scaling to 0 ACUs (auto-pause) needs Aurora PostgreSQL 16.3 or later.
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_16_6
            ),
            writer=rds.ClusterInstance.serverless_v2("writer"),
            # Paused when idle, so a bot that is talked to a few times a day costs storage only;
            # the first request after a pause waits for the resume.
            serverless_v2_min_capacity=0,
            serverless_v2_max_capacity=2,
            credentials=rds.Credentials.from_generated_secret(DATABASE_USER),
            default_database_name=DATABASE_NAME,
            storage_encrypted=True,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[db_sg],
            # Memories are the product: a stack deletion keeps a final snapshot.
            removal_policy=RemovalPolicy.SNAPSHOT,
        )
        db_secret = self.cluster.secret
        assert db_secret is not None  # from_generated_secret always creates one

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

        self.function = lambda_.Function(
            self,
            "BotFunction",
            handler=BOT_HANDLER,
            description="Slack memory bot: Slack events and the async worker",
            # Slack gets its ack within 3 s; the async self-invocation then may wait 15-30 s
            # for Aurora to resume from pause before calling OpenAI.
            timeout=Duration.seconds(120),
            log_group=self._log_group("BotLogs"),
            **common,
        )
        for secret in (self.app_secret, db_secret):
            secret.grant_read(self.function)
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

    def _log_group(self, construct_id: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            construct_id,
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _allow_self_invoke(self, function: lambda_.Function) -> None:
        """Let the function hand slow work to an async invocation of itself, and nothing else.

        The statement cannot go into the role's default policy: the function depends on that
        policy, and a policy naming the function's ARN would depend on the function (a cycle).
        A separate policy attached to the same role has no such edge.
        """
        assert function.role is not None
        iam.Policy(
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
