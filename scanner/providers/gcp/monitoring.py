"""Cloud Monitoring: alert policies and notification channels of every scanned project.

google-cloud-monitoring has no REST transport (its transport registry is grpc and
grpc_asyncio only), so the real GAPIC gRPC clients are used; tests and `logward demo` reach the
in-process gRPC fake (`fake/grpc.py`) through a local (loopback) channel carrying the scan's
credentials, built by the client seam (`clients.Clients.local_channel`). Pages are kept as
the REST JSON the API documents
(cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies), so evidence,
fixtures and the Terraform mapper share one shape.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, items
from scanner.providers.gcp.declare import Found, Lister, Node, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "monitoring.googleapis.com"
ALERT_POLICY = "gcp.monitoring.alert_policy"
CHANNEL = "gcp.monitoring.channel"

LIST_ALERT_POLICIES = Call("monitoring", "alertPolicies.list", "monitoring.alertPolicies.list")
LIST_CHANNELS = Call(
    "monitoring", "notificationChannels.list", "monitoring.notificationChannels.list"
)

# The condition types of AlertPolicy.Condition (a oneof: exactly one is set), by REST key.
KINDS = {
    "conditionThreshold": "threshold",
    "conditionAbsent": "absent",
    "conditionMatchedLog": "matched_log",
    "conditionMonitoringQueryLanguage": "mql",
    "conditionPrometheusQueryLanguage": "promql",
    "conditionSql": "sql",
}
# A filter term selecting one metric type by exact equality: `metric.type = "..."`. Only
# equality is credited: `metric.type = starts_with("...")`, `monitoring.regex.full_match`,
# `!=` and negated terms select other or unknown sets of metrics (the Monitoring filter
# syntax, cloud.google.com/monitoring/api/v3/filters), so a policy cannot rest on them.
_EXACT = re.compile(r"""(?<![\w.])(NOT\s+|-\s*)?metric\.type\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def metric_types(filter_text: str) -> list[str]:
    """The metric types a Monitoring filter selects by exact equality, in order, once each."""
    found: list[str] = []
    for match in _EXACT.finditer(filter_text):
        if match.group(1):
            continue
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if value not in found:
            found.append(value)
    return found


def condition(raw: dict[str, Any]) -> dict[str, Any]:
    """One condition: its kind, filter (threshold, absent, matched-log), query (MQL, PromQL,
    SQL) and the metric types its filter selects exactly."""
    found = next(
        ((k, raw[key]) for key, k in KINDS.items() if isinstance(raw.get(key), dict)), None
    )
    if found is None:
        return {"kind": "other", "filter": None, "query": None, "metric_types": []}
    kind, body = found
    filter_text = body.get("filter") if kind in ("threshold", "absent", "matched_log") else None
    query = body.get("query") if kind in ("mql", "promql", "sql") else None
    # A matched-log condition filters log entries, not metrics: it names no metric type.
    types = metric_types(filter_text) if filter_text and kind != "matched_log" else []
    return {"kind": kind, "filter": filter_text, "query": query, "metric_types": types}


def alert_policy_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one AlertPolicy (REST JSON)."""
    return {
        "name": raw["name"],
        "display_name": raw.get("displayName", ""),
        # AlertPolicy.enabled is a BoolValue whose documented default ("if unset ... the policy
        # is enabled") is true; an explicit false is printed, so absent means unset.
        "enabled": bool(raw.get("enabled", True)),
        "combiner": raw.get("combiner", "COMBINE_UNSPECIFIED"),
        "notification_channels": list(raw.get("notificationChannels", [])),
        "conditions": [condition(c) for c in raw.get("conditions", [])],
    }


def channel_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one NotificationChannel (REST JSON)."""
    return {
        "name": raw["name"],
        "type": raw.get("type", ""),
        "display_name": raw.get("displayName", ""),
        # NotificationChannel.enabled is a BoolValue documented to default to true.
        "enabled": bool(raw.get("enabled", True)),
        # Absent (the enum's zero value) also covers channels that need no verification.
        "verification_status": raw.get("verificationStatus", "VERIFICATION_STATUS_UNSPECIFIED"),
    }


def _resource(
    rtype: str, project: str, attrs: dict[str, Any], evidence: tuple[EvidenceRef, ...]
) -> Resource:
    return Resource(
        provider="gcp",
        account=project,
        region="global",
        type=rtype,
        id=full_name(HOST, attrs["name"]),
        name=attrs["display_name"] or attrs["name"].rsplit("/", 1)[-1],
        attrs=attrs,
        evidence=evidence,
    )


def alert_policies(
    project: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The gcp.monitoring.alert_policy resources of one page."""
    return [
        _resource(ALERT_POLICY, project, alert_policy_attrs(p), evidence)
        for p in page.get("alertPolicies", [])
    ]


def channels(
    project: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The gcp.monitoring.channel resources of one page."""
    return [
        _resource(CHANNEL, project, channel_attrs(c), evidence)
        for c in page.get("notificationChannels", [])
    ]


def _list(api: GcpApi, node: Node, alert_policies_: bool) -> Found:
    from google.cloud import monitoring_v3

    project = node.account
    name = f"projects/{project}"
    if alert_policies_:
        call, key, build = LIST_ALERT_POLICIES, "alertPolicies", alert_policies
        policy_client = api.clients.grpc_only(HOST, monitoring_v3.AlertPolicyServiceClient)
        method = policy_client.list_alert_policies
    else:
        call, key, build = LIST_CHANNELS, "notificationChannels", channels
        channel_client = api.clients.grpc_only(HOST, monitoring_v3.NotificationChannelServiceClient)
        method = channel_client.list_notification_channels

    def fetch(retry: Any) -> Any:
        return method(name=name, retry=retry, timeout=READ_TIMEOUT).pages

    found: list[Resource] = []
    for page in api.pages(call, project, fetch, {"name": name}, target=name):
        items(api, call, project, page, key)
        data = dict(page.data)
        found.extend(api.shaped(call, project, partial(build, project, data, (page.ref,))))
    return Found(resources=found)


def _alert_policies(api: GcpApi, scope: Scope, node: Node) -> Found:
    return _list(api, node, alert_policies_=True)


def _channels(api: GcpApi, scope: Scope, node: Node) -> Found:
    return _list(api, node, alert_policies_=False)


SERVICE = Service(
    name="monitoring",
    listers=(
        Lister(
            "alert policies", "project", (ALERT_POLICY,), (LIST_ALERT_POLICIES,), _alert_policies
        ),
        Lister("notification channels", "project", (CHANNEL,), (LIST_CHANNELS,), _channels),
    ),
)
