"""Read-only in the cloud: every request a scan sends is a GET (no POST list operation is
declared yet; one would be named here), for a whole-tenant, a --subscriptions and a
--management-group scan; the pipeline refuses any other method before it leaves the
process; the SDK's automatic resource-provider registration (a POST) never runs; every
declared action is a read; `logward permissions azure` is the custom role of the declared
ops."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.evidence import EvidenceStore
from scanner.providers.azure import ADAPTER
from scanner.providers.azure.adapter import Request as ScanRequest
from scanner.providers.azure.api import ArmApi
from scanner.providers.azure.clients import Clients, ReadOnlyViolation, StaticToken
from scanner.providers.azure.declare import Op, all_ops
from scanner.providers.azure.fake import FakeArm, Request
from scanner.providers.azure.services import SERVICES
from tests.azure.conftest import SUB, errors, scan

# The documented POST list operations the scan may send, by op name: none so far. A module
# that declares one (method="POST") must name it here, with the Learn page that documents
# it as a read.
DOCUMENTED_POST_LISTS: frozenset[str] = frozenset()


@pytest.mark.parametrize(
    "request_",
    [
        None,
        ScanRequest(subscriptions=(SUB[2], SUB[3])),
        ScanRequest(management_group="mg-workloads"),
    ],
    ids=["tenant", "subscriptions", "management-group"],
)
def test_every_request_of_a_scan_is_a_read(fake: FakeArm, request_: ScanRequest | None) -> None:
    collected = scan(fake, request_)
    assert fake.requests
    assert [(r.method, r.path) for r in fake.requests if not r.is_read] == []
    assert {r.method for r in fake.requests} <= {"GET", "POST"}
    posts = [r for r in fake.requests if r.method == "POST"]
    assert posts == []
    # No task failed because the pipeline refused a write.
    assert [e for e in errors(collected) if e[2] == "InternalError"] == []


def test_declared_posts_are_the_documented_list_operations() -> None:
    posts = {op.name for op in all_ops(SERVICES) if op.method != "GET"}
    assert posts == DOCUMENTED_POST_LISTS
    assert {op.method for op in all_ops(SERVICES)} <= {"GET", "POST"}


@pytest.mark.parametrize(
    ("method", "path", "read"),
    [
        ("GET", "/subscriptions", True),
        ("PUT", "/subscriptions/s/providers/Microsoft.Insights/diagnosticSettings/x", False),
        ("DELETE", "/subscriptions/s/resourceGroups/r", False),
        ("PATCH", "/subscriptions/s", False),
        ("POST", "/subscriptions/s/providers/Microsoft.Insights/register", False),
    ],
)
def test_what_counts_as_a_read(method: str, path: str, read: bool) -> None:
    assert Request(method, path, {}, None).is_read is read


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "POST"])
def test_the_pipeline_refuses_a_write_before_sending_it(fake: FakeArm, method: str) -> None:
    from azure.core.rest import HttpRequest

    clients = Clients(StaticToken(), fake.base, fake.ca_file)
    request = HttpRequest(method, f"/subscriptions/{SUB[1]}", params={"api-version": "2022-12-01"})
    with pytest.raises(ReadOnlyViolation):
        clients.sender("subscriptions")(request)
    assert fake.requests == []


def test_an_unregistered_provider_is_not_registered_for_the_user(fake: FakeArm) -> None:
    # azure-mgmt-core's auto-registration policy would answer this 409 with
    # POST .../providers/Microsoft.Insights/register and then poll.
    def unregistered(request: Request) -> tuple[int, object] | None:
        if request.path.lower().endswith("/providers/microsoft.insights/diagnosticsettings"):
            message = (
                "The subscription is not registered to use namespace 'Microsoft.Insights'. "
                "See https://aka.ms/rps-not-found for how to register subscriptions."
            )
            return 409, {"error": {"code": "MissingSubscriptionRegistration", "message": message}}
        return None

    fake.overrides.append(unregistered)
    collected = scan(fake, ScanRequest(subscriptions=(SUB[1],)))
    assert [r.method for r in fake.requests] == ["GET"] * len(fake.requests)
    assert not [r for r in fake.requests if "register" in r.path.lower()]
    # Not an error: the provider is not registered, so there is nothing of it (a note says so).
    assert [e for e in errors(collected) if e[0] == SUB[1]] == []
    assert any("Microsoft.Insights is not registered" in n for n in collected.facts.limits)


def test_every_declared_action_is_a_read() -> None:
    ops = all_ops(SERVICES)
    assert ops
    assert [o.permission for o in ops if not o.permission.lower().endswith("/read")] == []
    assert [o.name for o in ops if o.data_action] == []


def test_permissions_azure_prints_the_custom_role_of_the_declared_ops() -> None:
    result = CliRunner().invoke(main, ["permissions", "azure"])
    assert result.exit_code == 0, result.output
    role = json.loads(result.output)
    ops = all_ops(SERVICES)
    assert set(role["Actions"]) == {o.permission for o in ops if not o.data_action}
    assert set(role["DataActions"]) == {o.permission for o in ops if o.data_action}
    assert role["IsCustom"] is True and role["NotActions"] == []
    assert role["AssignableScopes"] == ["/providers/Microsoft.Management/managementGroups/<MG>"]
    assert "microsoft.aadiam/diagnosticSettings/read" in role["Actions"]
    assert "Microsoft.Insights/DiagnosticSettings/Read" in role["Actions"]
    assert ADAPTER.permissions() == result.output.rstrip("\n")


def test_an_undeclared_op_cannot_be_made(fake: FakeArm) -> None:
    api = ArmApi(Clients(StaticToken(), fake.base, fake.ca_file), EvidenceStore(), [])
    op = Op("monitor", "Insights/diagnosticSettings.delete", "/subscriptions", "2022-12-01", "x")
    with pytest.raises(AssertionError, match="declared by no module"):
        api.get(op)
    assert fake.requests == []
