"""The alarms that tell an operator something went wrong, and the topic they are sent to."""

from __future__ import annotations

from aws_cdk import CfnCondition, CfnParameter, Duration, Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagSuppressions
from constructs import Construct

PERIOD = Duration.minutes(5)


class Alarms(Construct):
    """Each function's errors and throttles, failed jobs waiting in the queue, a database at its
    cap.

    Each alarm goes to one SNS topic. The e-mail address subscribed to it is the `AlarmEmail`
    deploy parameter; left empty, the topic has no subscription (subscribe anything later).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: dict[str, lambda_.Function],
        failure_queue: sqs.Queue,
        cluster: rds.DatabaseCluster,
        max_acu: float,
    ) -> None:
        super().__init__(scope, construct_id)

        self.topic = sns.Topic(
            self, "Topic", display_name="Slack memory bot alarms", enforce_ssl=True
        )
        NagSuppressions.add_resource_suppressions(
            self.topic,
            [
                {
                    "id": "AwsSolutions-SNS2",
                    "reason": "Alarm notifications carry alarm names and metric values, never "
                    "user data. CloudWatch can't publish to a topic under the AWS-managed SNS key, "
                    "and a customer-managed key would cost more than the rest of an idle stack.",
                }
            ],
        )

        email = CfnParameter(
            scope,
            "AlarmEmail",
            type="String",
            default="",
            description="E-mail address to send the bot's alarms to (confirm the AWS mail). "
            "Leave empty for none.",
        )
        has_email = CfnCondition(
            scope, "HasAlarmEmail", expression=Fn.condition_not(Fn.condition_equals(email, ""))
        )
        subscription = sns.CfnSubscription(
            self,
            "Email",
            topic_arn=self.topic.topic_arn,
            protocol="email",
            endpoint=email.value_as_string,
        )
        subscription.cfn_options.condition = has_email

        # Keyed by the name given (e.g. "Worker" -> WorkerErrors, WorkerThrottles). The metrics
        # are the function's, so every version and alias counts.
        self.function_errors = {}
        self.function_throttles = {}
        for name, function in functions.items():
            self.function_errors[name] = self._alarm(
                f"{name}Errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                f"The {name.lower()} function raised or timed out (an invocation ended in an "
                "error).",
            )
            self.function_throttles[name] = self._alarm(
                f"{name}Throttles",
                function.metric_throttles(period=PERIOD, statistic="Sum"),
                f"The {name.lower()} function hit its concurrency limit: invocations were "
                "throttled.",
            )
        self.failed_jobs = self._alarm(
            "FailedJobs",
            failure_queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"
            ),
            "Jobs failed after Lambda's retries and wait in the failure queue (bot replay-failed).",
            threshold=0,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        self.database_at_max = self._alarm(
            "DatabaseAtMaxCapacity",
            cluster.metric_serverless_database_capacity(period=PERIOD, statistic="Maximum"),
            f"Aurora ran at its maximum capacity ({max_acu:g} ACU): raise it, or find the load.",
            threshold=max_acu,
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.Metric,
        description: str,
        *,
        threshold: float = 1,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_description=description,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=1,
            # No datapoints means nothing ran, or a paused database: neither is an alarm.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.topic))
        return alarm
