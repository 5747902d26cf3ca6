"""CloudWatch alarms and SNS topics with their subscriptions, one list call each per region."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.model import Resource, Unknowable
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.common import Scope, arn_region, make
from scanner.providers.aws.declare import Collected, Detailer, Found, Lister, Service, call

ALARM = "aws.cloudwatch.alarm"
TOPIC = "aws.sns.topic"


def collect_alarms(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every metric alarm in the region."""
    response = api.paginate("cloudwatch", region, "DescribeAlarms", AlarmTypes=["MetricAlarm"])
    return [
        make(
            scope,
            ALARM,
            a["AlarmArn"],
            a["AlarmName"],
            region,
            {
                "name": a["AlarmName"],
                "metric_name": a.get("MetricName"),
                "namespace": a.get("Namespace"),
                # AWS always reports it; were it ever missing, "enabled" must not be assumed.
                "actions_enabled": (
                    bool(a["ActionsEnabled"])
                    if "ActionsEnabled" in a
                    else Unknowable("DescribeAlarms did not report ActionsEnabled")
                ),
                "alarm_actions": list(a.get("AlarmActions", [])),
                "dimensions": sorted(d["Name"] for d in a.get("Dimensions", [])),
                "state": a.get("StateValue"),
            },
            response.ref_for(a),
        )
        for a in response.data.get("MetricAlarms", [])
    ]


def collect_topics(api: AwsApi, scope: Scope, region: str) -> list[Resource]:
    """Every topic in the region, listed only: subscriptions are asked per topic, for the
    topics an alarm notifies (`describe_topic`)."""
    topics = api.paginate("sns", region, "ListTopics")
    not_asked = Unknowable("subscriptions are asked only of topics that an alarm notifies")
    return [
        make(
            scope,
            TOPIC,
            t["TopicArn"],
            t["TopicArn"].rsplit(":", 1)[-1],
            region,
            {
                "name": t["TopicArn"].rsplit(":", 1)[-1],
                "subscriptions_confirmed": not_asked,
                "subscriptions_pending": not_asked,
                "subscriptions": not_asked,
            },
            topics.ref_for(t),
        )
        for t in topics.data.get("Topics", [])
    ]


def describe_topic(api: AwsApi, scope: Scope, listed: Resource) -> Resource:
    """A topic with its subscriptions. ListSubscriptionsByTopic, not ListSubscriptions: the
    latter lists only the requester's own subscriptions, and a central security account's
    subscriber would be missed. `PendingConfirmation` in place of an ARN is unconfirmed."""
    attrs = dict(listed.attrs)
    evidence = list(listed.evidence)
    try:
        subs = api.paginate("sns", listed.region, "ListSubscriptionsByTopic", TopicArn=listed.id)
    except AwsCallError as exc:
        marker = exc.unknowable()
        attrs.update(
            subscriptions_confirmed=marker, subscriptions_pending=marker, subscriptions=marker
        )
        return make(scope, TOPIC, listed.id, listed.name, listed.region, attrs, evidence)
    items = [
        {
            "protocol": sub.get("Protocol", ""),
            "confirmed": sub.get("SubscriptionArn", "").startswith("arn:"),
        }
        for sub in subs.data.get("Subscriptions", [])
    ]
    attrs.update(
        subscriptions=items,
        subscriptions_confirmed=sum(1 for i in items if i["confirmed"]),
        subscriptions_pending=sum(1 for i in items if not i["confirmed"]),
    )
    evidence.extend(subs.evidence)
    return make(scope, TOPIC, listed.id, listed.name, listed.region, attrs, evidence)


def _alarms(api: AwsApi, scope: Scope, region: str) -> Found:
    return Found(resources=collect_alarms(api, scope, region))


def _topics(api: AwsApi, scope: Scope, region: str) -> Found:
    return Found(staged={"topics": collect_topics(api, scope, region)})


def _notified(found: Collected) -> Iterable[tuple[str, str, Any]]:
    """The topics an alarm notifies: only their subscriptions matter."""
    actions = {a for alarm in found.of_type(ALARM) for a in alarm.attrs["alarm_actions"]}
    topics = {t.id: t for t in found.staged.get("topics", ())}
    for arn in sorted(actions & set(topics)):
        yield f"topic {arn}", arn_region(arn) or found.scope.home_region, topics[arn]


def _describe(api: AwsApi, scope: Scope, listed: Resource) -> Found:
    return Found(resources=[describe_topic(api, scope, listed)])


SERVICE = Service(
    "cloudwatch-sns",
    listers=(
        Lister(
            "alarms",
            "regional",
            (ALARM,),
            (call("cloudwatch", "DescribeAlarms"),),
            _alarms,
        ),
        Lister("sns", "regional", (TOPIC,), (call("sns", "ListTopics"),), _topics),
    ),
    detailers=(
        Detailer(
            "topic",
            2,
            (),
            (call("sns", "ListSubscriptionsByTopic"),),
            _notified,
            _describe,
            keeps=("topics",),
        ),
    ),
)
