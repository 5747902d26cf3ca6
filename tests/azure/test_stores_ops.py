"""The store modules' declared reads: GETs only, each with a documented api-version and an
RBAC read action, and the golden fixtures' version table expecting exactly that version on
every path the op reads (so the fake refuses any other)."""

from __future__ import annotations

import pytest

from scanner.providers.azure import keyvault, locks, loganalytics, storage
from scanner.providers.azure.declare import Op
from scanner.providers.azure.fake import TENANT, expected_version, versions

OPS = [op for module in (storage, locks, loganalytics, keyvault) for op in module.SERVICE.all_ops()]
ACCOUNT = (
    "/subscriptions/22222222-0000-0000-0000-000000000001/resourceGroups/rg-audit/providers/"
    "Microsoft.Storage/storageAccounts/lwauditarchive"
)
WORKSPACE = (
    "/subscriptions/22222222-0000-0000-0000-000000000001/resourceGroups/rg-audit/providers/"
    "Microsoft.OperationalInsights/workspaces/law-central"
)
IDS = {
    storage.GET.name: ACCOUNT,
    storage.CONTAINERS.name: ACCOUNT,
    storage.BLOB_SERVICE.name: ACCOUNT,
    storage.POLICY.name: f"{ACCOUNT}/blobServices/default/containers/insights-logs-auditevent",
    loganalytics.GET.name: WORKSPACE,
    loganalytics.TABLES.name: WORKSPACE,
}


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_each_read_is_declared_as_a_documented_get(op: Op) -> None:
    assert op.method == "GET" and not op.data_action
    assert op.permission.endswith("/read")
    assert op.api_version[:4].isdigit() and "preview" not in op.api_version
    path = op.path.format(subscription="22222222-0000-0000-0000-000000000001", id=IDS.get(op.name))
    assert expected_version(versions(TENANT), path.lower().lstrip("/")) == op.api_version


def test_the_modules_declare_one_op_per_read() -> None:
    names = [op.name for op in OPS]
    assert len(set(OPS)) == len(set(names))
