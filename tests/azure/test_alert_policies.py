"""The eleven CIS alert policies carry the operation and the numbers of CIS Microsoft Azure
Foundations v4.0.0 7.1.2.x and v3.0.0 6.2.x (Service Health has no v3.0.0 number)."""

from __future__ import annotations

import pytest

from scanner.data import data_dir
from scanner.policy.loader import load_policies

V4 = "CIS Microsoft Azure Foundations Benchmark v4.0.0"
V3 = "CIS Microsoft Azure Foundations Benchmark v3.0.0"
TABLE = [
    (
        "policy-assignment-create",
        "7.1.2.1",
        "6.2.1",
        "Microsoft.Authorization/policyAssignments/write",
    ),
    (
        "policy-assignment-delete",
        "7.1.2.2",
        "6.2.2",
        "Microsoft.Authorization/policyAssignments/delete",
    ),
    ("nsg-write", "7.1.2.3", "6.2.3", "Microsoft.Network/networkSecurityGroups/write"),
    ("nsg-delete", "7.1.2.4", "6.2.4", "Microsoft.Network/networkSecurityGroups/delete"),
    ("security-solution-write", "7.1.2.5", "6.2.5", "Microsoft.Security/securitySolutions/write"),
    ("security-solution-delete", "7.1.2.6", "6.2.6", "Microsoft.Security/securitySolutions/delete"),
    ("sql-firewall-rule-write", "7.1.2.7", "6.2.7", "Microsoft.Sql/servers/firewallRules/write"),
    ("sql-firewall-rule-delete", "7.1.2.8", "6.2.8", "Microsoft.Sql/servers/firewallRules/delete"),
    ("public-ip-write", "7.1.2.9", "6.2.9", "Microsoft.Network/publicIPAddresses/write"),
    ("public-ip-delete", "7.1.2.10", "6.2.10", "Microsoft.Network/publicIPAddresses/delete"),
    ("service-health", "7.1.2.11", None, None),
]
POLICIES = {p.id: p for p in load_policies([data_dir("policies")])}


@pytest.mark.parametrize(("slug", "v4", "v3", "operation"), TABLE)
def test_cis_numbers_and_operation(
    slug: str, v4: str, v3: str | None, operation: str | None
) -> None:
    policy = POLICIES[f"azure-monitor-alert-{slug}"]
    refs = {(r["source"], str(r["id"])) for r in policy.doc.data["references"]}
    assert (V4, v4) in refs
    assert v3 is None or (V3, v3) in refs
    defaults = policy.defaults()
    assert defaults.get("operation") == operation
    assert policy.doc.data["resource"] == "azure.subscription"
    assert v4 in policy.doc.data["description"]


def test_every_alert_policy_is_in_the_table() -> None:
    ours = {pid for pid in POLICIES if pid.startswith("azure-monitor-alert-")}
    assert ours == {f"azure-monitor-alert-{row[0]}" for row in TABLE}
