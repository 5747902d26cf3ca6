"""IAM roles through the real gRPC IAM admin client against the in-process gRPC fake:
predefined roles read one by one, custom roles listed (paged, deleted ones included), a
listing that answers 403, and a bound role that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.api_core import exceptions
from google.cloud import iam_admin_v1

from scanner.providers.gcp import iamroles
from scanner.providers.gcp.fake import grpc as fake_grpc
from tests.gcp.grpcfake import client, write

ESTATE = Path(fake_grpc.__file__).parent / "estate"


@pytest.fixture(scope="module")
def fake() -> Iterator[fake_grpc.FakeGrpc]:
    with fake_grpc.serve(ESTATE) as served:
        yield served


@pytest.fixture(scope="module")
def api(fake: fake_grpc.FakeGrpc) -> iam_admin_v1.IAMClient:
    return client(iam_admin_v1.IAMClient, fake.address)


def test_predefined_role(api: iam_admin_v1.IAMClient) -> None:
    res = iamroles.role(iamroles.get_role(api, "roles/logging.admin"))
    assert res.id == "//iam.googleapis.com/roles/logging.admin"
    assert (res.account, res.region, res.type) == ("global", "global", "gcp.iam.role")
    assert res.attrs["title"] == "Logging Admin"
    assert "logging.sinks.delete" in res.attrs["included_permissions"]
    assert res.attrs["stage"] == "GA"
    assert res.attrs["deleted"] is False


def test_custom_roles_listed_across_pages_with_deleted(
    fake: fake_grpc.FakeGrpc, api: iam_admin_v1.IAMClient
) -> None:
    before = len(fake.calls)
    found = [
        r
        for page in iamroles.list_custom_roles(api, "organizations/100000000001")
        for r in iamroles.roles(page)
    ]
    assert [c[1:] for c in fake.calls[before:]] == [
        ("v1/organizations/100000000001/roles", ""),
        ("v1/organizations/100000000001/roles", "page2"),
    ]
    assert [(r.name, r.account, r.attrs["deleted"]) for r in found] == [
        ("organizations/100000000001/roles/logPipelineEditor", "organizations/100000000001", False),
        ("organizations/100000000001/roles/oldAuditor", "organizations/100000000001", True),
    ]
    assert found[1].attrs["stage"] == "DEPRECATED"


def test_empty_project_listing(api: iam_admin_v1.IAMClient) -> None:
    assert [
        r for p in iamroles.list_custom_roles(api, "projects/prod-app") for r in iamroles.roles(p)
    ] == []


def test_listing_denied_raises(api: iam_admin_v1.IAMClient) -> None:
    with pytest.raises(exceptions.PermissionDenied):
        list(iamroles.list_custom_roles(api, "projects/dev-sandbox"))


def test_missing_role_is_not_found(api: iam_admin_v1.IAMClient) -> None:
    with pytest.raises(exceptions.NotFound):
        iamroles.get_role(api, "roles/no.such")


def test_absent_stage_is_the_enum_zero(tmp_path: Path) -> None:
    write(tmp_path, "iam.googleapis.com", "v1/projects/p/roles/r", {"name": "projects/p/roles/r"})
    with fake_grpc.serve(tmp_path) as served:
        raw = iamroles.get_role(
            client(iam_admin_v1.IAMClient, served.address), "projects/p/roles/r"
        )
    attrs = iamroles.role(raw).attrs
    assert attrs == {
        "name": "projects/p/roles/r",
        "title": "",
        "included_permissions": [],
        "stage": "ALPHA",
        "deleted": False,
    }
    assert iamroles.role(raw).account == "p"


def test_which_roles_to_read() -> None:
    org = [
        {"role": "roles/owner", "members": ["user:a"]},
        {"role": "organizations/1/roles/logPipelineEditor", "members": ["user:b"]},
    ]
    project = [
        {"role": "roles/owner", "members": ["user:c"]},
        {"role": "projects/other/roles/x", "members": ["user:d"]},
    ]
    bound = iamroles.bound_roles([org, project, []])
    assert bound == [
        "organizations/1/roles/logPipelineEditor",
        "projects/other/roles/x",
        "roles/owner",
    ]
    # Listed custom roles need no get; an unlisted custom role (a project outside the scan) does.
    assert iamroles.to_get(bound, ["organizations/1/roles/logPipelineEditor"]) == [
        "projects/other/roles/x",
        "roles/owner",
    ]
