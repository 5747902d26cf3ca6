"""Log Analytics workspaces and tables: the contract's attributes from the documented REST
JSON; a table's own retention (and the -1 / absent "default to the level above") table-tested
with its siblings and boundaries."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.providers.azure import loganalytics_shapes as shapes

SUB = "22222222-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-audit"
LAW = f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law-central"


def test_workspace_attributes() -> None:
    raw = {
        "id": LAW,
        "name": "law-central",
        "location": "westeurope",
        "properties": {
            "customerId": "55555555-0000-0000-0000-000000000001",
            "sku": {"name": "PerGB2018"},
            "retentionInDays": 30,
            "publicNetworkAccessForIngestion": "Enabled",
            "publicNetworkAccessForQuery": "Disabled",
        },
    }
    assert shapes.workspace_attrs(raw) == {
        "arm_id": LAW,
        "name": "law-central",
        "customer_id": "55555555-0000-0000-0000-000000000001",
        "location": "westeurope",
        "retention_days": 30,
        "sku": "PerGB2018",
        "public_network_access_for_ingestion": "Enabled",
        "public_network_access_for_query": "Disabled",
    }


def _table(**props: Any) -> dict[str, Any]:
    return {"id": f"{LAW}/tables/AzureActivity", "name": "AzureActivity", "properties": props}


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        # The golden override: interactive from the workspace, total set on the table.
        (
            {
                "retentionInDays": 30,
                "totalRetentionInDays": 400,
                "archiveRetentionInDays": 370,
                "plan": "Analytics",
                "retentionInDaysAsDefault": True,
                "totalRetentionInDaysAsDefault": False,
            },
            (30, 400, True, False, "Analytics", 370),
        ),
        # Everything from the workspace.
        (
            {
                "retentionInDays": 30,
                "totalRetentionInDays": 30,
                "retentionInDaysAsDefault": True,
                "totalRetentionInDaysAsDefault": True,
            },
            (30, 30, True, True, "Analytics", 0),
        ),
        # -1 "will default to the workspace retention" / "to retentionInDays".
        ({"retentionInDays": -1, "totalRetentionInDays": -1}, (90, 90, True, True, "Analytics", 0)),
        # Absent: the same, as the service answers for a table never set.
        ({}, (90, 90, True, True, "Analytics", 0)),
        # Own interactive retention, total from it.
        ({"retentionInDays": 730}, (730, 730, False, True, "Analytics", 0)),
        # Basic plan, long-term retention up to 12 years.
        (
            {"retentionInDays": 30, "totalRetentionInDays": 4383, "plan": "basic"},
            (30, 4383, False, False, "Basic", 4353),
        ),
    ],
)
def test_table_retention(props: dict[str, Any], expected: tuple[Any, ...]) -> None:
    attrs = shapes.table_attrs(_table(**props), LAW, 90)
    assert attrs["workspace"] == LAW.lower()
    assert (
        attrs["retention_days"],
        attrs["total_retention_days"],
        attrs["retention_is_default"],
        attrs["total_retention_is_default"],
        attrs["plan"],
        attrs["archive_retention_days"],
    ) == expected


def test_a_malformed_retention_is_an_error() -> None:
    with pytest.raises(ValueError, match="days"):
        shapes.table_attrs(_table(retentionInDays=True), LAW, 30)
    with pytest.raises(ValueError, match="boolean"):
        shapes.table_attrs(_table(retentionInDaysAsDefault="yes"), LAW, 30)


def test_the_log_tables() -> None:
    assert {"AzureActivity", "SigninLogs", "AuditLogs", "MicrosoftGraphActivityLogs"} <= (
        shapes.LOG_TABLES
    )
    assert "Heartbeat" not in shapes.LOG_TABLES
