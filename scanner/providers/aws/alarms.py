"""CloudWatch alarms and SNS topics with their subscriptions, one list call each per region."""

from __future__ import annotations

from collections import Counter

from scanner.model import Resource
from scanner.providers.aws.base import Scope, make
from scanner.providers.aws.calls import AwsApi

ALARM = "aws.cloudwatch.alarm"
TOPIC = "aws.sns.topic"


def collect_alarms(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every metric alarm in the region."""
    response = api.paginate("cloudwatch", region, "DescribeAlarms", AlarmTypes=["MetricAlarm"])
    return [make(scope, ALARM, a["AlarmArn"], a["AlarmName"], region,
                 {"name": a["AlarmName"], "metric_name": a.get("MetricName"),
                  "namespace": a.get("Namespace"),
                  "actions_enabled": bool(a.get("ActionsEnabled", True)),
                  "alarm_actions": list(a.get("AlarmActions", [])),
                  "state": a.get("StateValue")}, response.evidence)
            for a in response.data.get("MetricAlarms", [])]


def collect_topics(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every topic, with subscriptions counted from ListSubscriptions (no per-topic calls).
    A subscription whose ARN is `PendingConfirmation` has not been confirmed."""
    topics = api.paginate("sns", region, "ListTopics")
    subs = api.paginate("sns", region, "ListSubscriptions")
    confirmed: Counter[str] = Counter()
    pending: Counter[str] = Counter()
    by_topic: dict[str, list[dict[str, object]]] = {}
    for sub in subs.data.get("Subscriptions", []):
        topic = sub.get("TopicArn", "")
        ok = sub.get("SubscriptionArn", "").startswith("arn:")
        (confirmed if ok else pending)[topic] += 1
        by_topic.setdefault(topic, []).append({"protocol": sub.get("Protocol", ""),
                                               "confirmed": ok})
    out = []
    for topic in topics.data.get("Topics", []):
        arn = topic["TopicArn"]
        out.append(make(scope, TOPIC, arn, arn.rsplit(":", 1)[-1], region,
                        {"name": arn.rsplit(":", 1)[-1],
                         "subscriptions_confirmed": confirmed[arn],
                         "subscriptions_pending": pending[arn],
                         "subscriptions": by_topic.get(arn, [])},
                        (*topics.evidence, *subs.evidence)))
    return out
