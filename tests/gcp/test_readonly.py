"""Read-only in the cloud: every request a scan sends is a read (GET, or POST to
getIamPolicy/testIamPermissions), over REST and gRPC alike, for an organization and a
`--projects` scan, and every declared permission is a read permission."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.providers.gcp import ADAPTER
from scanner.providers.gcp.collect import Request as ScanRequest
from scanner.providers.gcp.declare import all_calls
from scanner.providers.gcp.fake import FakeGoogle, Request
from scanner.providers.gcp.services import SERVICES
from tests.gcp.conftest import scan

READ_PERMISSION = re.compile(r"^[a-zA-Z]+(\.[a-zA-Z]+)+\.(get|list|getIamPolicy)$")


GRPC_HOSTS = {"monitoring.googleapis.com", "iam.googleapis.com", "sqladmin.googleapis.com"}


@pytest.mark.parametrize(
    "request_",
    [
        None,  # the golden --organization scan
        # --projects: projects.get of each and of their ancestors, no search.
        ScanRequest(projects=("prod-app", "dev-sandbox", "lw-logging")),
    ],
    ids=["organization", "projects"],
)
def test_every_request_of_a_scan_is_a_read(fake: FakeGoogle, request_: ScanRequest | None) -> None:
    scan(fake, request_)
    assert fake.requests
    # gRPC calls are among them (an RPC the gRPC fake does not serve is recorded as a POST
    # to its method name, so a gRPC write shows up here too).
    assert {r.host for r in fake.requests} >= GRPC_HOSTS
    writes = [(r.method, r.host, r.path) for r in fake.requests if not r.is_read]
    assert writes == []
    posts = {r.path.rsplit(":", 1)[-1] for r in fake.requests if r.method == "POST"}
    assert posts == {"getIamPolicy"}


@pytest.mark.parametrize(
    ("method", "host"),
    [
        ("/google.monitoring.v3.AlertPolicyService/CreateAlertPolicy", "monitoring.googleapis.com"),
        ("/google.iam.admin.v1.IAM/CreateRole", "iam.googleapis.com"),
        ("/google.cloud.sql.v1.SqlInstancesService/Delete", "sqladmin.googleapis.com"),
    ],
)
def test_a_grpc_write_is_recorded_as_a_write(fake: FakeGoogle, method: str, host: str) -> None:
    import grpc

    address = fake.endpoints[host].removeprefix("grpc://")
    creds = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    with grpc.secure_channel(address, creds) as channel:
        call = channel.unary_unary(method)
        with pytest.raises(grpc.RpcError) as raised:
            call(b"", timeout=30)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
    (seen,) = fake.requests
    assert (seen.host, seen.method, seen.path, seen.is_read) == (host, "POST", method, False)


@pytest.mark.parametrize(
    ("method", "path", "read"),
    [
        ("GET", "/v2/projects/p/sinks", True),
        ("POST", "/v3/projects/p:getIamPolicy", True),
        ("POST", "/v1/projects/p:testIamPermissions", True),
        ("POST", "/v3/projects/p:setIamPolicy", False),
        ("POST", "/v2/projects/p/sinks", False),
        ("PATCH", "/v2/projects/p/sinks/s", False),
        ("DELETE", "/storage/v1/b/b", False),
        ("PUT", "/storage/v1/b/b/iam", False),
    ],
)
def test_what_counts_as_a_read(method: str, path: str, read: bool) -> None:
    assert Request("h", method, path, {}, None).is_read is read


def test_every_declared_permission_is_a_read() -> None:
    permissions = [c.permission for c in all_calls(SERVICES)]
    assert permissions
    assert [p for p in permissions if not READ_PERMISSION.match(p)] == []


def test_permissions_gcp_prints_the_custom_role_of_the_declared_calls() -> None:
    result = CliRunner().invoke(main, ["permissions", "gcp"])
    assert result.exit_code == 0, result.output
    role = json.loads(result.output)
    assert role["includedPermissions"] == sorted({c.permission for c in all_calls(SERVICES)})
    assert role["stage"] == "GA"
    assert "resourcemanager.projects.getIamPolicy" in role["includedPermissions"]
    assert "logging.buckets.list" in role["includedPermissions"]
    assert ADAPTER.permissions() == result.output.rstrip("\n")


def test_an_undeclared_call_cannot_be_made(fake: FakeGoogle) -> None:
    from scanner.evidence import EvidenceStore
    from scanner.providers.base import Call
    from scanner.providers.gcp.api import GcpApi
    from scanner.providers.gcp.clients import Clients, credentials

    api = GcpApi(Clients(credentials(anonymous=True), fake.endpoints), EvidenceStore(), [])
    with pytest.raises(AssertionError, match="declared by no module"):
        api.call(Call("logging", "sinks.delete", "logging.sinks.delete"), "p", lambda r: {}, {})
    assert fake.requests == []
