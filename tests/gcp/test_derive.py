"""GCP links and derivers on a hand-built slice of the golden estate, through the core linker:
effective audit configs over ancestors, sink destinations and their placeholders, writer
grants, tamper principals and public members; each with the sibling that must stay as it is."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.inventory import Inventory
from scanner.link import Declared, resolve
from scanner.model import Absent, CollectionError, Resource, Unknowable
from scanner.providers.gcp.derive import DERIVERS
from scanner.providers.gcp.links import JOINS, LINKS, live_gaps, live_refs

RM = "//cloudresourcemanager.googleapis.com/"
ORG, PROD, DEV = "organizations/100000000001", "folders/200000000001", "folders/200000000002"
WRITER = "serviceAccount:service-folder-200000000001@gcp-sa-logging.iam.gserviceaccount.com"


def _audit(service: str, *types: str, exempt: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "service": service,
        "log_configs": [{"log_type": t, "exempted_members": list(exempt)} for t in types],
    }


def _binding(role: str, *members: str, condition: str | None = None) -> dict[str, Any]:
    cond = {"title": "t", "expression": condition} if condition else None
    return {"role": role, "members": list(members), "condition": cond}


def _rm(
    level: str, ancestors: list[str], audit: Any = (), bindings: Any = (), **extra: Any
) -> Resource:
    kind = {"organizations": "organization", "folders": "folder", "projects": "project"}
    account = level.removeprefix("projects/") if level.startswith("projects/") else level
    attrs = {
        "name": level,
        "ancestors": ancestors,
        "audit_configs": list(audit) if not isinstance(audit, Unknowable) else audit,
        "bindings": list(bindings) if not isinstance(bindings, Unknowable) else bindings,
        **extra,
    }
    return Resource(
        "gcp", account, "global", f"gcp.{kind[level.split('/')[0]]}", RM + level, level, attrs
    )


def _project(pid: str, number: str, ancestors: list[str], **kw: Any) -> Resource:
    return _rm(
        f"projects/{pid}", ancestors, project_id=pid, project_number=number, in_scan=True, **kw
    )


def _sink(parent: str, name: str, destination: str, **attrs: Any) -> Resource:
    account = parent.removeprefix("projects/") if parent.startswith("projects/") else parent
    also = tuple(attrs.pop("also", ()))
    values = {
        "name": name,
        "parent": parent,
        "destination": destination,
        "filter": "",
        "disabled": False,
        "exclusions": [],
        "include_children": bool(also),
        "intercept_children": False,
        "writer_identity": attrs.pop("writer", None),
        **attrs,
    }
    rid = f"//logging.googleapis.com/{parent}/sinks/{name}"
    return Resource(
        "gcp", account, "global", "gcp.logging.sink", rid, name, values, also_accounts=also
    )


def _role(name: str, *perms: str) -> Resource:
    attrs = {
        "name": name,
        "title": name,
        "included_permissions": list(perms),
        "stage": "GA",
        "deleted": False,
    }
    return Resource(
        "gcp", "global", "global", "gcp.iam.role", f"//iam.googleapis.com/{name}", name, attrs
    )


def _bucket(name: str, project: str, bindings: Any, key: str | None = None) -> Resource:
    attrs = {"name": name, "bindings": bindings, "default_kms_key": key}
    return Resource(
        "gcp", project, "US", "gcp.storage.bucket", f"//storage.googleapis.com/{name}", name, attrs
    )


def _log_bucket(parent: str, bucket_id: str) -> Resource:
    name = f"{parent}/locations/global/buckets/{bucket_id}"
    attrs = {"name": name, "bucket_id": bucket_id, "parent": parent, "cmek_key": None}
    account = parent.removeprefix("projects/")
    return Resource(
        "gcp",
        account,
        "global",
        "gcp.logging.bucket",
        f"//logging.googleapis.com/{name}",
        name,
        attrs,
    )


def estate(
    *extra: Resource,
    errors: tuple[CollectionError, ...] = (),
    org_bindings: tuple[dict[str, Any], ...] = (),
    app_bindings: tuple[dict[str, Any], ...] = (),
    archive_key: str | None = None,
    logging_bindings: tuple[dict[str, Any], ...] = (),
) -> Inventory:
    inv = Inventory()
    inv.extend(
        [
            _rm(
                ORG,
                [],
                [_audit("allServices", "ADMIN_READ", "DATA_WRITE")],
                [
                    _binding("roles/owner", "user:alice@example.org"),
                    _binding("roles/logging.admin", "group:secops@example.org"),
                    _binding("roles/viewer", "domain:example.org"),
                    *org_bindings,
                ],
            ),
            _rm(PROD, [ORG], [_audit("allServices", "DATA_READ")]),
            _rm(DEV, [ORG]),
            _project(
                "lw-logging",
                "300000000001",
                [ORG],
                audit=[_audit("allServices", "ADMIN_READ", "DATA_READ", "DATA_WRITE")],
                bindings=list(logging_bindings),
            ),
            _project("prod-app", "300000000002", [PROD, ORG], bindings=list(app_bindings)),
            _project(
                "prod-data",
                "300000000003",
                [PROD, ORG],
                audit=[_audit("allServices", "DATA_READ", exempt=("user:etl@example.org",))],
            ),
            _project(
                "dev-sandbox",
                "300000000004",
                [DEV, ORG],
                audit=Unknowable("getIamPolicy failed: 403", True),
                bindings=Unknowable("getIamPolicy failed: 403", True),
            ),
            _project(
                "dev-tools",
                "300000000005",
                [DEV, ORG],
                bindings=[
                    _binding(
                        "roles/logging.configWriter",
                        "user:bob@example.org",
                        condition="request.time < timestamp('2027-01-01T00:00:00Z')",
                    )
                ],
            ),
            _role(
                "roles/owner",
                "logging.sinks.delete",
                "resourcemanager.projects.setIamPolicy",
                "storage.objects.delete",
                "resourcemanager.organizations.setIamPolicy",
            ),
            _role("roles/logging.admin", "logging.sinks.delete", "logging.buckets.update"),
            _role("roles/logging.configWriter", "logging.sinks.update"),
            _role("roles/viewer", "logging.sinks.get"),
            _role("roles/storage.objectCreator", "storage.objects.create"),
            _sink(
                PROD,
                "prod-audit",
                "storage.googleapis.com/lw-audit-archive",
                writer=WRITER,
                also=("prod-app", "prod-data"),
            ),
            _bucket(
                "lw-audit-archive",
                "lw-logging",
                [
                    _binding("roles/storage.objectCreator", WRITER),
                    _binding("roles/storage.objectAdmin", "user:mallory@example.org"),
                ],
                archive_key,
            ),
            _sink(
                "projects/lw-logging",
                "all-to-logbucket",
                "logging.googleapis.com/projects/lw-logging/locations/global/buckets/audit-locked",
            ),
            _log_bucket("projects/lw-logging", "audit-locked"),
            *extra,
        ]
    )
    for error in errors:
        inv.add_error(error)
    return resolve(inv, live_refs(inv), Declared(LINKS, JOINS, DERIVERS), live_gaps(inv))


def attr(inv: Inventory, rid: str, name: str) -> Any:
    found = inv.get(rid)
    assert found is not None, rid
    return found.attrs[name]


# --- audit_logging ------------------------------------------------------------------------


def test_inherited_audit_config_is_the_union_of_the_ancestors() -> None:
    got = attr(estate(), RM + "projects/prod-app", "audit_logging")
    assert got == {
        "admin_read": True,
        "data_read": True,
        "data_write": True,
        "exempted_members": [],
        "set_at": [PROD, ORG],
    }


def test_only_the_org_config_leaves_data_read_off() -> None:
    got = attr(estate(), RM + "projects/dev-tools", "audit_logging")
    assert (got["admin_read"], got["data_read"], got["data_write"]) == (True, False, True)
    assert got["set_at"] == [ORG]


def test_an_exemption_at_the_project_is_named_with_its_level() -> None:
    got = attr(estate(), RM + "projects/prod-data", "audit_logging")
    assert got["data_read"] is True
    assert got["exempted_members"] == [
        {
            "member": "user:etl@example.org",
            "log_type": "DATA_READ",
            "service": "allServices",
            "set_at": "projects/prod-data",
        }
    ]


def test_an_unreadable_project_policy_is_an_error_naming_the_level() -> None:
    got = attr(estate(), RM + "projects/dev-sandbox", "audit_logging")
    assert isinstance(got, Unknowable) and got.error
    assert "projects/dev-sandbox" in got.reason


def test_an_ancestor_outside_the_scan_is_unknown_not_error() -> None:
    orphan = _project("lonely", "300000000009", ["folders/999", ORG])
    got = attr(estate(orphan), RM + "projects/lonely", "audit_logging")
    assert isinstance(got, Unknowable) and not got.error
    assert "folders/999" in got.reason


def test_an_unreadable_ancestor_is_an_error_for_the_projects_below() -> None:
    broken = _rm("folders/300", [ORG], audit=Unknowable("folders getIamPolicy failed: 403", True))
    child = _project("child", "300000000010", ["folders/300", ORG])
    got = attr(estate(broken, child), RM + "projects/child", "audit_logging")
    assert isinstance(got, Unknowable) and got.error and "folders/300" in got.reason


# --- destinations and writer_can_write ------------------------------------------------------


def test_folder_sink_links_to_its_bucket_and_the_writer_is_granted() -> None:
    inv = estate()
    sink = inv.get(f"//logging.googleapis.com/{PROD}/sinks/prod-audit")
    assert sink is not None
    assert sink.links["destination"].targets == ("//storage.googleapis.com/lw-audit-archive",)
    assert sink.attrs["writer_can_write"] is True
    bucket = inv.get("//storage.googleapis.com/lw-audit-archive")
    assert bucket is not None and bucket.links["sinks"].targets == (sink.id,)


def test_writer_without_a_grant_cannot_write() -> None:
    other = _sink(
        "projects/dev-tools",
        "x",
        "storage.googleapis.com/lw-audit-archive",
        writer="serviceAccount:other@x.iam.gserviceaccount.com",
    )
    assert attr(estate(other), other.id, "writer_can_write") is False


def test_log_bucket_of_the_same_project_needs_no_grant() -> None:
    sink_id = "//logging.googleapis.com/projects/lw-logging/sinks/all-to-logbucket"
    assert attr(estate(), sink_id, "writer_can_write") is True


def test_a_bucket_never_read_is_unknown_because_bucket_names_are_global() -> None:
    other = _sink(
        "projects/dev-tools", "far", "storage.googleapis.com/somebody-elses", writer=WRITER
    )
    inv = estate(other)
    placeholder = inv.get("//storage.googleapis.com/somebody-elses")
    assert placeholder is not None and isinstance(placeholder.placeholder, Unknowable)
    assert "names are global" in placeholder.placeholder.reason
    assert isinstance(attr(inv, other.id, "writer_can_write"), Unknowable)


def test_a_bucket_whose_get_answered_404_is_absent() -> None:
    other = _sink("projects/dev-tools", "gone", "storage.googleapis.com/gone-bucket", writer=WRITER)
    error = CollectionError(
        "gcp",
        "dev-tools",
        "global",
        "buckets.get",
        "404",
        "Not Found",
        ("gcp.storage.bucket",),
        "//storage.googleapis.com/gone-bucket",
    )
    inv = estate(other, errors=(error,))
    placeholder = inv.get("//storage.googleapis.com/gone-bucket")
    assert placeholder is not None and isinstance(placeholder.placeholder, Absent)
    assert attr(inv, other.id, "writer_can_write") is False


def test_a_pubsub_destination_is_unresolved_with_its_reason() -> None:
    other = _sink(
        "projects/dev-tools",
        "topic",
        "pubsub.googleapis.com/projects/dev-tools/topics/t",
        writer=WRITER,
    )
    inv = estate(other)
    link = inv.get(other.id).links["destination"]  # type: ignore[union-attr]
    assert link.targets == () and link.unresolved is not None
    assert "Pub/Sub" in link.unresolved.reason
    assert isinstance(attr(inv, other.id, "writer_can_write"), Unknowable)


def test_a_missing_log_bucket_in_a_scanned_project_is_absent() -> None:
    other = _sink(
        "projects/dev-tools",
        "lb",
        "logging.googleapis.com/projects/lw-logging/locations/global/buckets/nope",
        writer=WRITER,
    )
    target = estate(other).get(
        "//logging.googleapis.com/projects/lw-logging/locations/global/buckets/nope"
    )
    assert target is not None and isinstance(target.placeholder, Absent)


def test_a_log_bucket_of_a_project_outside_the_scan_is_unknown() -> None:
    other = _sink(
        "projects/dev-tools",
        "lb",
        "logging.googleapis.com/projects/elsewhere/locations/global/buckets/b",
        writer=WRITER,
    )
    target = estate(other).get(
        "//logging.googleapis.com/projects/elsewhere/locations/global/buckets/b"
    )
    assert target is not None and isinstance(target.placeholder, Unknowable)
    assert "project elsewhere, outside the scan" in target.placeholder.reason


KEY_NAME = "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
RING = "projects/lw-logging/locations/us/keyRings/audit"


def _key(bindings: Any, ring: Any) -> Resource:
    attrs = {"name": KEY_NAME, "bindings": bindings, "key_ring_bindings": ring}
    rid = f"//cloudkms.googleapis.com/{KEY_NAME}"
    return Resource("gcp", "lw-logging", "us", "gcp.kms.key", rid, "archive", attrs)


# --- tamper principals ----------------------------------------------------------------------


def _rows(inv: Inventory, pid: str) -> list[Any]:
    got = attr(inv, RM + f"projects/{pid}", "tamper_principals")
    assert isinstance(got, list)
    return got


def test_tamper_principals_come_from_ancestors_and_destination_buckets() -> None:
    rows = _rows(estate(_role("roles/storage.objectAdmin", "storage.objects.delete")), "prod-app")
    assert not [r for r in rows if isinstance(r, Unknowable)]
    found = {(r["member"], r["role"], r["granted_at"]) for r in rows}
    assert ("user:alice@example.org", "roles/owner", ORG) in found
    assert ("group:secops@example.org", "roles/logging.admin", ORG) in found
    # the bucket the folder sink writes to: its own bindings count, and those of its project
    bucket = "//storage.googleapis.com/lw-audit-archive"
    assert ("user:mallory@example.org", "roles/storage.objectAdmin", bucket) in found
    viewer = [r for r in rows if not isinstance(r, Unknowable) and r["role"] == "roles/viewer"]
    assert viewer == []  # a role without a tamper permission is not listed


def test_a_project_whose_sinks_do_not_reach_the_bucket_does_not_list_its_holders() -> None:
    rows = _rows(estate(_role("roles/storage.objectAdmin", "storage.objects.delete")), "dev-tools")
    assert all(
        r["member"] != "user:mallory@example.org" for r in rows if not isinstance(r, Unknowable)
    )


def test_a_role_not_collected_lists_its_holder_as_unknown() -> None:
    rows = _rows(estate(), "prod-app")
    unknown = [r for r in rows if isinstance(r, Unknowable)]
    assert any(
        "user:mallory@example.org holds roles/storage.objectAdmin" in u.reason for u in unknown
    )


def test_conditional_grants_are_marked() -> None:
    rows = _rows(estate(), "dev-tools")
    bob = [
        r for r in rows if not isinstance(r, Unknowable) and r["member"] == "user:bob@example.org"
    ]
    assert bob and bob[0]["conditional"] is True and "request.time" in bob[0]["condition"]


def _held(rows: list[Any], member: str) -> list[tuple[str, list[str]]]:
    return [
        (r["granted_at"], r["permissions"])
        for r in rows
        if not isinstance(r, Unknowable) and r["member"] == member
    ]


def test_creating_a_sink_on_an_ancestor_can_intercept_the_project_s_export() -> None:
    # a custom role holding only logging.sinks.create: at the organization it lets its holder
    # add an intercepting sink above every project; in the project itself a new sink adds an
    # export and removes none (sibling)
    inv = estate(
        _role("organizations/100000000001/roles/sinkCreator", "logging.sinks.create"),
        org_bindings=(_binding("organizations/100000000001/roles/sinkCreator", "user:eve@x.org"),),
        app_bindings=(_binding("organizations/100000000001/roles/sinkCreator", "user:ann@x.org"),),
    )
    rows = _rows(inv, "prod-app")
    assert _held(rows, "user:eve@x.org") == [(ORG, ["logging.sinks.create"])]
    assert _held(rows, "user:ann@x.org") == []


def test_moving_or_deleting_the_project_is_tampering() -> None:
    inv = estate(
        _role("projects/prod-app/roles/mover", "resourcemanager.projects.move"),
        _role("roles/resourcemanager.projectDeleter", "resourcemanager.projects.delete"),
        app_bindings=(_binding("projects/prod-app/roles/mover", "user:max@x.org"),),
        org_bindings=(_binding("roles/resourcemanager.projectDeleter", "user:del@x.org"),),
    )
    rows = _rows(inv, "prod-app")
    assert _held(rows, "user:max@x.org") == [
        ("projects/prod-app", ["resourcemanager.projects.move"])
    ]
    assert _held(rows, "user:del@x.org") == [(ORG, ["resourcemanager.projects.delete"])]


def test_rewriting_the_key_s_iam_policy_or_primary_version_is_tampering() -> None:
    key_name = "projects/lw-logging/locations/us/keyRings/audit/cryptoKeys/archive"
    key = Resource(
        "gcp",
        "lw-logging",
        "us",
        "gcp.kms.key",
        f"//cloudkms.googleapis.com/{key_name}",
        "archive",
        {
            "name": key_name,
            "bindings": [
                _binding("projects/lw-logging/roles/keyIam", "user:kim@x.org"),
                _binding("projects/lw-logging/roles/keyEdit", "user:ken@x.org"),
                _binding("roles/cloudkms.viewer", "user:viv@x.org"),
            ],
        },
    )
    inv = estate(
        key,
        _role("projects/lw-logging/roles/keyIam", "cloudkms.cryptoKeys.setIamPolicy"),
        _role("projects/lw-logging/roles/keyEdit", "cloudkms.cryptoKeys.update"),
        _role("roles/cloudkms.viewer", "cloudkms.cryptoKeys.get"),
        _role("roles/storage.objectAdmin", "storage.objects.delete"),
        archive_key=key_name,
    )
    rows = _rows(inv, "prod-app")
    assert _held(rows, "user:kim@x.org") == [(key.id, ["cloudkms.cryptoKeys.setIamPolicy"])]
    assert _held(rows, "user:ken@x.org") == [(key.id, ["cloudkms.cryptoKeys.update"])]
    assert _held(rows, "user:viv@x.org") == []


def test_a_kms_admin_on_the_key_ring_can_destroy_the_log_store_key() -> None:
    key = _key([], [_binding("roles/cloudkms.admin", "user:x@x.org")])
    admin = _role(
        "roles/cloudkms.admin", "cloudkms.cryptoKeyVersions.destroy", "cloudkms.keyRings.get"
    )
    inv = estate(key, admin, _role("roles/storage.objectAdmin"), archive_key=KEY_NAME)
    assert _held(_rows(inv, "prod-app"), "user:x@x.org") == [
        (f"//cloudkms.googleapis.com/{RING}", ["cloudkms.cryptoKeyVersions.destroy"])
    ]
    # an unreadable ring policy is an unknowable row beside what is known
    key = _key([], Unknowable(f"keyRings.getIamPolicy for {RING} failed: 403", True))
    rows = _rows(estate(key, _role("roles/storage.objectAdmin"), archive_key=KEY_NAME), "prod-app")
    assert any(isinstance(r, Unknowable) and r.error and RING in r.reason for r in rows)
    assert _held(rows, "user:alice@example.org")


def test_an_unreadable_project_policy_makes_tamper_principals_an_error() -> None:
    got = attr(estate(), RM + "projects/dev-sandbox", "tamper_principals")
    assert isinstance(got, Unknowable) and got.error


def test_limits_name_what_was_not_evaluated() -> None:
    limits = attr(estate(), RM + "projects/prod-app", "limits")
    assert any("deny policies" in x for x in limits)


# --- public members -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (
            ["allUsers"],
            [{"member": "allUsers", "role": "roles/storage.objectViewer", "granted_at": "pub"}],
        ),
        (
            ["allAuthenticatedUsers"],
            [
                {
                    "member": "allAuthenticatedUsers",
                    "role": "roles/storage.objectViewer",
                    "granted_at": "pub",
                }
            ],
        ),
        (["domain:example.org"], []),
    ],
)
def test_public_members(members: list[str], expected: list[dict[str, str]]) -> None:
    bucket = _bucket("pub", "lw-logging", [_binding("roles/storage.objectViewer", *members)])
    assert attr(estate(bucket), bucket.id, "public_members") == expected


def test_public_members_of_an_unreadable_policy_stay_unknowable() -> None:
    bucket = _bucket("pub", "lw-logging", Unknowable("getIamPolicy failed: 403", True))
    got = attr(estate(bucket), bucket.id, "public_members")
    assert isinstance(got, Unknowable) and got.error


def test_a_public_key_ring_makes_its_keys_public() -> None:
    dec = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    key = _key([], [_binding(dec, "allUsers", "group:kms@example.org")])
    assert attr(estate(key), key.id, "public_members") == [
        {"member": "allUsers", "role": dec, "granted_at": RING}
    ]
    # sibling: the ring grants only named principals, the key itself is public
    key = _key([_binding(dec, "allAuthenticatedUsers")], [_binding(dec, "group:kms@x.org")])
    assert attr(estate(key), key.id, "public_members") == [
        {"member": "allAuthenticatedUsers", "role": dec, "granted_at": KEY_NAME}
    ]


def test_an_unreadable_key_ring_policy_leaves_the_key_s_public_members_unknowable() -> None:
    key = _key([], Unknowable(f"keyRings.getIamPolicy for {RING} failed: 403", True))
    got = attr(estate(key), key.id, "public_members")
    assert isinstance(got, Unknowable) and got.error and RING in got.reason


def test_derivers_do_not_change_the_input() -> None:
    inv = Inventory()
    project = _project("p", "1", [])
    inv.add(project)
    resolve(inv, live_refs(inv), Declared(LINKS, JOINS, DERIVERS), live_gaps(inv))
    assert "audit_logging" not in project.attrs


# --- interceptChildren ----------------------------------------------------------------------


def test_no_intercepting_ancestor() -> None:
    inv = estate()
    assert attr(inv, f"//logging.googleapis.com/{PROD}/sinks/prod-audit", "intercepted_by") == []
    assert (
        attr(
            inv,
            "//logging.googleapis.com/projects/lw-logging/sinks/all-to-logbucket",
            "intercepted_by",
        )
        == []
    )


@pytest.mark.parametrize(
    ("flags", "intercepted"),
    [
        ({"intercept_children": True, "disabled": False}, True),
        ({"intercept_children": False, "disabled": False}, False),  # sibling: include only
        ({"intercept_children": True, "disabled": True}, False),  # a disabled sink routes nothing
    ],
)
def test_an_intercepting_org_sink_reaches_project_and_folder_sinks(
    flags: dict[str, bool], intercepted: bool
) -> None:
    central = _sink(
        ORG,
        "central",
        "storage.googleapis.com/lw-audit-archive",
        writer=WRITER,
        also=("prod-app",),
        **flags,
    )
    project_sink = _sink(
        "projects/prod-app", "own", "storage.googleapis.com/lw-audit-archive", writer=WRITER
    )
    inv = estate(central, project_sink)
    expected = [central.id] if intercepted else []
    assert attr(inv, project_sink.id, "intercepted_by") == expected
    assert (
        attr(inv, f"//logging.googleapis.com/{PROD}/sinks/prod-audit", "intercepted_by") == expected
    )
    assert attr(inv, central.id, "intercepted_by") == []  # nothing above an organization


def test_a_failed_listing_of_an_ancestor_s_sinks_is_an_error() -> None:
    error = CollectionError(
        "gcp", PROD, "global", "sinks.list", "PERMISSION_DENIED", "denied", ("gcp.logging.sink",)
    )
    project_sink = _sink(
        "projects/prod-app", "own", "storage.googleapis.com/lw-audit-archive", writer=WRITER
    )
    got = attr(estate(project_sink, errors=(error,)), project_sink.id, "intercepted_by")
    assert isinstance(got, Unknowable) and got.error and "sinks.list" in got.reason


# --- roles and grants at the edges ------------------------------------------------------------


def test_legacy_bucket_roles_resolve_without_being_collected() -> None:
    bucket = _bucket(
        "lw-audit-archive",
        "lw-logging",
        [
            _binding("roles/storage.objectCreator", WRITER),
            _binding("roles/storage.legacyBucketOwner", "projectOwner:lw-logging"),
            _binding("roles/storage.legacyBucketReader", "projectViewer:lw-logging"),
        ],
    )
    inv = Inventory()
    for res in estate():
        inv.add(bucket if res.id == bucket.id else res)
    inv = resolve(inv, live_refs(inv), Declared(LINKS, JOINS, DERIVERS), live_gaps(inv))
    rows = _rows(inv, "prod-app")
    owner = [
        r
        for r in rows
        if not isinstance(r, Unknowable) and r["member"] == "projectOwner:lw-logging"
    ]
    assert owner and "storage.objects.delete" in owner[0]["permissions"]
    assert not [
        r
        for r in rows
        if not isinstance(r, Unknowable) and r["member"] == "projectViewer:lw-logging"
    ]


def test_a_writer_granted_only_under_a_condition_is_unknown() -> None:
    bucket = _bucket(
        "cond-bucket",
        "lw-logging",
        [
            _binding(
                "roles/storage.objectCreator",
                WRITER,
                condition="request.time < timestamp('2020-01-01T00:00:00Z')",
            )
        ],
    )
    sink = _sink("projects/dev-tools", "cond", "storage.googleapis.com/cond-bucket", writer=WRITER)
    got = attr(estate(bucket, sink), sink.id, "writer_can_write")
    assert isinstance(got, Unknowable) and "condition" in got.reason


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('resource.name.endsWith("buckets/audit-locked")', True),
        ('resource.name == "projects/lw-logging/locations/global/buckets/audit-locked"', True),
        ('resource.name.startsWith("projects/lw-logging/locations/global/")', True),
        # siblings: the same shapes naming another bucket
        ('resource.name.endsWith("buckets/other")', False),
        ('resource.name == "projects/lw-logging/locations/global/buckets/other"', False),
        # anything else stays unevaluated
        ("request.time < timestamp('2030-01-01T00:00:00Z')", None),
        ('resource.name.endsWith("buckets/audit-locked") && request.time < 1', None),
    ],
)
def test_a_documented_bucket_writer_condition_on_a_log_bucket(
    expression: str, expected: bool | None
) -> None:
    grant = _binding("roles/logging.bucketWriter", WRITER, condition=expression)
    sink = _sink(
        "projects/dev-tools",
        "to-central",
        "logging.googleapis.com/projects/lw-logging/locations/global/buckets/audit-locked",
        writer=WRITER,
    )
    writer_role = _role("roles/logging.bucketWriter", "logging.buckets.write")
    inv = estate(sink, writer_role, logging_bindings=(grant,))
    got = attr(inv, sink.id, "writer_can_write")
    if expected is None:
        assert isinstance(got, Unknowable) and "condition" in got.reason
    else:
        assert got is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('resource.name.startsWith("projects/_/buckets/cond-bucket/")', True),
        ('resource.name.startsWith("projects/_/buckets/other/")', False),
        # a write is checked on the new object, never on the bucket's own name
        ('resource.name == "projects/_/buckets/cond-bucket"', False),
        ('resource.name.endsWith(".json")', None),
    ],
)
def test_a_resource_name_condition_on_a_cloud_storage_writer(
    expression: str, expected: bool | None
) -> None:
    grant = _binding("roles/storage.objectCreator", WRITER, condition=expression)
    bucket = _bucket("cond-bucket", "lw-logging", [grant])
    sink = _sink("projects/dev-tools", "cond", "storage.googleapis.com/cond-bucket", writer=WRITER)
    got = attr(estate(bucket, sink), sink.id, "writer_can_write")
    if expected is None:
        assert isinstance(got, Unknowable) and "condition" in got.reason
    else:
        assert got is expected


def test_a_project_level_grant_on_the_bucket_s_project_counts() -> None:
    bucket = _bucket("proj-granted", "lw-logging", [])
    sink = _sink(
        "projects/dev-tools",
        "proj",
        "storage.googleapis.com/proj-granted",
        writer="serviceAccount:w@x.iam.gserviceaccount.com",
    )
    inv = Inventory()
    granted = _project(
        "lw-logging",
        "300000000001",
        [ORG],
        bindings=[
            _binding("roles/storage.objectCreator", "serviceAccount:w@x.iam.gserviceaccount.com")
        ],
    )
    for res in [*estate(), bucket, sink]:
        inv.add(granted if res.id == granted.id else res)
    inv = resolve(inv, live_refs(inv), Declared(LINKS, JOINS, DERIVERS), live_gaps(inv))
    assert attr(inv, sink.id, "writer_can_write") is True


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        ([{"role": "WRITER", "member": WRITER}], True),
        ([{"role": "READER", "member": WRITER}], False),
        ([{"role": "WRITER", "member": "serviceAccount:other@x.iam.gserviceaccount.com"}], False),
        # A grant under an IAM condition (kept by accessPolicyVersion=3) is not a plain grant:
        # unknown, never credited (the sibling without a condition is True above).
        (
            [
                {
                    "role": "WRITER",
                    "member": WRITER,
                    "condition": {"title": "t", "expression": "request.time < timestamp('x')"},
                }
            ],
            None,
        ),
    ],
)
def test_dataset_access_entries_decide_a_bigquery_sink(
    access: list[dict[str, Any]], expected: bool | None
) -> None:
    dataset = Resource(
        "gcp",
        "prod-data",
        "US",
        "gcp.bigquery.dataset",
        "//bigquery.googleapis.com/projects/prod-data/datasets/audit",
        "audit",
        {
            "dataset_id": "audit",
            "access": access,
            "default_kms_key": None,
            "default_table_expiration_ms": None,
            "default_partition_expiration_ms": None,
        },
    )
    sink = _sink(
        "projects/prod-data",
        "to-bq",
        "bigquery.googleapis.com/projects/prod-data/datasets/audit",
        writer=WRITER,
    )
    got = attr(estate(dataset, sink), sink.id, "writer_can_write")
    if expected is None:
        assert isinstance(got, Unknowable) and "condition" in got.reason
    else:
        assert got is expected


def test_dataset_expirations_in_days() -> None:
    dataset = Resource(
        "gcp",
        "prod-data",
        "US",
        "gcp.bigquery.dataset",
        "//bigquery.googleapis.com/projects/prod-data/datasets/d",
        "d",
        {"default_table_expiration_ms": 86_400_000 * 30, "default_partition_expiration_ms": None},
    )
    inv = estate(dataset)
    assert attr(inv, dataset.id, "default_table_expiration_days") == 30.0
    assert attr(inv, dataset.id, "default_partition_expiration_days") is None


@pytest.mark.parametrize(
    ("configs", "data_read", "exempted"),
    [
        # one service's DATA_READ is not allServices' (Prowler passes any audit config)
        ([_audit("storage.googleapis.com", "DATA_READ")], False, []),
        # its exemption still counts: exemptions of any service at any level are named
        (
            [_audit("storage.googleapis.com", "DATA_READ", exempt=("user:x@example.org",))],
            False,
            [("user:x@example.org", "storage.googleapis.com")],
        ),
        ([_audit("allServices", "DATA_READ")], True, []),
    ],
)
def test_only_allservices_sets_the_log_types(
    configs: list[dict[str, Any]], data_read: bool, exempted: list[tuple[str, str]]
) -> None:
    project = _project("svc", "300000000011", [DEV, ORG], audit=configs)
    got = attr(estate(project), project.id, "audit_logging")
    assert got["data_read"] is data_read
    assert [(e["member"], e["service"]) for e in got["exempted_members"]] == exempted
