"""The log-based metric filters of CIS Google Cloud Platform Foundations Benchmark v4.0.0,
recommendations 2.4 to 2.11 (v2.0.0 and v3.0.0 use the same numbers; v5.0.0 renumbers them
2.5 to 2.12).

The text is the audit step's "ensure that at least one metric is present with filter text",
with the quotation marks that the benchmark's console instructions and Prowler's checks
(prowler-cloud/prowler `logging_log_metric_filter_and_alert_for_*_changes_enabled`) carry; the
copy of the benchmark in Prowler's `cis_4.0_gcp.json` lost them in extraction, which changes
nothing for the query language. 2.6 includes UndeleteRole as the v4.0.0 audit text does
(Prowler's check omits it, so a metric without it passes there). 2.9 takes the console form
(``protoPayload.methodName:"compute.networks.insert"``); the benchmark's CLI step spells
five exact ``beta.``/``v1.`` method names, which the console form covers but which miss, say,
``v1.compute.networks.insert``: a metric written that way is narrower and fails, naming the
method it misses.

Cross-check with Steampipe (turbot/steampipe-mod-gcp-compliance
``query/logging/logging_metric_alert_*.sql``): its regular expressions follow the older text
(2.6 without UndeleteRole, 2.9 with the exact CLI names, no parentheses) and match the filter
by its spelling, so neither copy is taken as the reference here.

The policies under ``policies/gcp/monitoring/`` carry the same text as their ``filter``
parameter default; a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

BENCHMARK = "CIS Google Cloud Platform Foundation Benchmark v4.0.0"


@dataclass(frozen=True)
class CisFilter:
    """One recommendation: its number in v4.0.0 and v5.0.0, the policy id and the filter."""

    v4: str
    v5: str
    policy: str
    filter: str


_OWNER = "protoPayload.serviceData.policyDelta.bindingDeltas"

CIS_FILTERS: dict[str, CisFilter] = {
    f.policy: f
    for f in (
        CisFilter(
            "2.4",
            "2.5",
            "gcp-monitoring-project-ownership-changes",
            '(protoPayload.serviceName="cloudresourcemanager.googleapis.com") '
            "AND (ProjectOwnership OR projectOwnerInvitee) "
            f'OR ({_OWNER}.action="REMOVE" AND {_OWNER}.role="roles/owner") '
            f'OR ({_OWNER}.action="ADD" AND {_OWNER}.role="roles/owner")',
        ),
        CisFilter(
            "2.5",
            "2.6",
            "gcp-monitoring-audit-config-changes",
            'protoPayload.methodName="SetIamPolicy" AND '
            "protoPayload.serviceData.policyDelta.auditConfigDeltas:*",
        ),
        CisFilter(
            "2.6",
            "2.7",
            "gcp-monitoring-custom-role-changes",
            'resource.type="iam_role" AND '
            '(protoPayload.methodName="google.iam.admin.v1.CreateRole" '
            'OR protoPayload.methodName="google.iam.admin.v1.DeleteRole" '
            'OR protoPayload.methodName="google.iam.admin.v1.UpdateRole" '
            'OR protoPayload.methodName="google.iam.admin.v1.UndeleteRole")',
        ),
        CisFilter(
            "2.7",
            "2.8",
            "gcp-monitoring-firewall-rule-changes",
            'resource.type="gce_firewall_rule" AND '
            '(protoPayload.methodName:"compute.firewalls.patch" '
            'OR protoPayload.methodName:"compute.firewalls.insert" '
            'OR protoPayload.methodName:"compute.firewalls.delete")',
        ),
        CisFilter(
            "2.8",
            "2.9",
            "gcp-monitoring-route-changes",
            'resource.type="gce_route" AND '
            '(protoPayload.methodName:"compute.routes.delete" '
            'OR protoPayload.methodName:"compute.routes.insert")',
        ),
        CisFilter(
            "2.9",
            "2.10",
            "gcp-monitoring-network-changes",
            'resource.type="gce_network" AND '
            '(protoPayload.methodName:"compute.networks.insert" '
            'OR protoPayload.methodName:"compute.networks.patch" '
            'OR protoPayload.methodName:"compute.networks.delete" '
            'OR protoPayload.methodName:"compute.networks.removePeering" '
            'OR protoPayload.methodName:"compute.networks.addPeering")',
        ),
        CisFilter(
            "2.10",
            "2.11",
            "gcp-monitoring-storage-iam-changes",
            'resource.type="gcs_bucket" AND protoPayload.methodName="storage.setIamPermissions"',
        ),
        CisFilter(
            "2.11",
            "2.12",
            "gcp-monitoring-sql-instance-changes",
            'protoPayload.methodName="cloudsql.instances.update"',
        ),
    )
}
