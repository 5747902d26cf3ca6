"""IAM roles through the real gRPC IAM admin client, the gateway and the collection loop:
every predefined role the estate's IAM policies bind read once, custom roles listed (paged,
deleted ones included), a listing that answers 403, a bound role that does not exist, and
one whose get is denied."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.model import Unknowable
from scanner.providers.gcp import iamroles
from tests.gcp.services_scan import errors, fault, golden, scan_estate

IAM = "//iam.googleapis.com/"
# Every role the golden estate's organization, folder, project, bucket, key and key ring
# policies bind (roles/cloudkms.viewer: only on the key ring `us/audit`).
BOUND = {
    "roles/bigquery.dataEditor",
    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    "roles/cloudkms.viewer",
    "roles/editor",
    "roles/logging.admin",
    "roles/logging.configWriter",
    "roles/owner",
    "roles/storage.legacyBucketOwner",
    "roles/storage.legacyBucketReader",
    "roles/storage.objectCreator",
    "roles/viewer",
}


def test_every_bound_predefined_role_is_read_once() -> None:
    got, _, requests = golden()
    predefined = {r.attrs["name"] for r in got.inventory.of_type(iamroles.ROLE, "global")}
    assert predefined == BOUND
    gets = [r.path for r in requests if r.path.startswith("/v1/roles/")]
    assert sorted(gets) == sorted(f"/v1/{r}" for r in BOUND)
    admin = got.inventory.get(IAM + "roles/logging.admin")
    assert admin is not None and (admin.account, admin.region) == ("global", "global")
    assert "logging.sinks.delete" in admin.attrs["included_permissions"]
    assert (admin.attrs["stage"], admin.attrs["deleted"]) == ("GA", False)
    assert admin.evidence[0].operation == "roles.get"


def test_custom_roles_listed_across_pages_with_deleted() -> None:
    got, _, requests = golden()
    org = "organizations/100000000001"
    found = got.inventory.of_type(iamroles.ROLE, org)
    assert [(r.name, r.attrs["deleted"], r.attrs["stage"]) for r in found] == [
        (f"{org}/roles/logPipelineEditor", False, "GA"),
        (f"{org}/roles/oldAuditor", True, "DEPRECATED"),
    ]
    asked = [r.query.get("pageToken") for r in requests if r.path == f"/v1/{org}/roles"]
    assert asked == [None, "page2"]
    # Every scanned project's custom roles are listed too (none in the estate).
    for project in ("lw-logging", "prod-app", "prod-data", "dev-tools"):
        assert got.inventory.of_type(iamroles.ROLE, project) == []
        assert any(r.path == f"/v1/projects/{project}/roles" for r in requests)


def test_a_denied_listing_is_an_error_for_that_project() -> None:
    got, _, _ = golden()
    assert errors(got, lambda e: e.operation == "roles.list") == [
        ("dev-sandbox", "roles.list", "PERMISSION_DENIED", (iamroles.ROLE,), None)
    ]


def test_missing_and_denied_roles(estate_copy: Path) -> None:
    roles = estate_copy / iamroles.HOST / "v1" / "roles"
    (roles / "viewer.json").unlink()
    got, _ = scan_estate(estate_copy, [fault(iamroles.HOST, "/v1/roles/editor", 403)])
    viewer = got.inventory.get(IAM + "roles/viewer")
    assert viewer is not None and viewer.placeholder is not None
    assert "does not exist" in viewer.placeholder.reason
    editor = got.inventory.get(IAM + "roles/editor")
    assert editor is not None and editor.placeholder is None
    perms = editor.attrs["included_permissions"]
    assert isinstance(perms, Unknowable) and perms.error
    assert "roles.get for roles/editor failed: PERMISSION_DENIED" in perms.reason
    # The denied get is listed in errors; the 404 is a fact (Absent), not a failed call.
    assert errors(got, lambda e: e.operation == "roles.get") == [
        ("global", "roles.get", "PERMISSION_DENIED", (), "roles/editor")
    ]


def test_a_custom_role_bound_but_not_listed_is_read(estate_copy: Path) -> None:
    """A project custom role of a project outside the scan, bound in a scanned policy."""
    rm = estate_copy / "cloudresourcemanager.googleapis.com" / "v3" / "projects"
    policy_file = rm / "dev-tools@getIamPolicy.json"
    policy = json.loads(policy_file.read_text())
    policy["bindings"].append(
        {"role": "projects/elsewhere/roles/sinkEditor", "members": ["user:bob@example.org"]}
    )
    policy_file.write_text(json.dumps(policy))
    role = estate_copy / iamroles.HOST / "v1" / "projects" / "elsewhere" / "roles"
    role.mkdir(parents=True)
    (role / "sinkEditor.json").write_text(
        json.dumps(
            {
                "name": "projects/elsewhere/roles/sinkEditor",
                "title": "Sink editor",
                "includedPermissions": ["logging.sinks.update"],
                "stage": "GA",
            }
        )
    )
    got, _ = scan_estate(estate_copy)
    found = got.inventory.get(IAM + "projects/elsewhere/roles/sinkEditor")
    assert found is not None and found.account == "elsewhere"
    assert found.attrs["included_permissions"] == ["logging.sinks.update"]


def test_role_attrs_defaults() -> None:
    """An absent stage is the enum's zero value (proto3 JSON omits it)."""
    assert iamroles.role_attrs({"name": "projects/p/roles/r"}) == {
        "name": "projects/p/roles/r",
        "title": "",
        "included_permissions": [],
        "stage": "ALPHA",
        "deleted": False,
    }
    assert iamroles.owner("projects/p/roles/r") == "p"
    assert iamroles.owner("organizations/1/roles/r") == "organizations/1"
    assert iamroles.owner("roles/owner") == "global"


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
    assert iamroles.to_get(bound, ["organizations/1/roles/logPipelineEditor"]) == [
        "projects/other/roles/x",
        "roles/owner",
    ]
