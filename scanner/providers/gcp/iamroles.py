"""IAM roles: the permissions behind every role the scanned IAM policies bind.

Who can delete or reroute the audit logs is decided from permissions, not role names, so each
predefined role bound anywhere in the scanned policies is read with `roles.get`, and the custom
roles of the scanned organization and projects are listed (view FULL: the BASIC view omits
`includedPermissions`; show_deleted: a binding to a deleted custom role grants nothing, and the
finding should say so rather than call the role unknown). A bound custom role that no listing
returned (one of a project outside the scan) is read with `roles.get` too.

google-cloud-iam (the IAM admin API) has no REST transport, so the real GAPIC gRPC client is
used; tests and the demo reach the in-process gRPC fake (`fake/grpc.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from scanner.model import Absent, EvidenceRef, Resource
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, GcpCallError, items
from scanner.providers.gcp.declare import Collected, Detailer, Found, Lister, Node, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "iam.googleapis.com"
ROLE = "gcp.iam.role"

GET_ROLE = Call("iam", "roles.get", "iam.roles.get")
LIST_ROLES = Call("iam", "roles.list", "iam.roles.list")
# What resourcemanager stages for this module: (node name, bindings) of every IAM policy read.
STAGED_POLICIES = "iam_policies"
# How an IAM role name starts (BigQuery access entries also hold the basic READER/WRITER/OWNER).
ROLE_PREFIXES = ("roles/", "projects/", "organizations/")
# Resource types whose IAM policies can bind roles: destination buckets and keys (`bindings`),
# and the key rings of keys (`key_ring_bindings`, inherited by the keys).
BINDING_ATTRS = (
    ("gcp.storage.bucket", "bindings"),
    ("gcp.kms.key", "bindings"),
    ("gcp.kms.key", "key_ring_bindings"),
)

# Role.stage's zero value: proto3 JSON omits it, so an absent stage is ALPHA.
DEFAULT_STAGE = "ALPHA"


def bound_roles(bindings: Iterable[Iterable[dict[str, Any]]]) -> list[str]:
    """Every role named by the bindings of the given policies (contract `bindings` shape:
    `{role, members, condition}`), sorted, once each."""
    return sorted({b["role"] for policy in bindings for b in policy if b.get("role")})


def to_get(bound: Iterable[str], listed: Iterable[str]) -> list[str]:
    """The bound roles that `roles.get` must read: predefined ones, and custom ones no
    listing of a scanned parent returned."""
    have = set(listed)
    return sorted(r for r in set(bound) if r not in have)


def role_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one Role (REST JSON)."""
    return {
        "name": raw["name"],
        "title": raw.get("title", ""),
        "included_permissions": list(raw.get("includedPermissions", [])),
        "stage": raw.get("stage", DEFAULT_STAGE),
        "deleted": bool(raw.get("deleted", False)),
    }


def owner(name: str) -> str:
    """The account of a role: the project ID or `organizations/o` that defines a custom role;
    `global` for predefined roles, which no account owns."""
    parts = name.split("/")
    if parts[0] == "projects":
        return parts[1]
    if parts[0] == "organizations":
        return "/".join(parts[:2])
    return "global"


def role(raw: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()) -> Resource:
    """One gcp.iam.role resource from a Role (REST JSON)."""
    return role_of(role_attrs(raw), evidence)


def role_of(attrs: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()) -> Resource:
    """One gcp.iam.role resource from its attributes."""
    return Resource(
        provider="gcp",
        account=owner(attrs["name"]),
        region="global",
        type=ROLE,
        id=full_name(HOST, attrs["name"]),
        name=attrs["name"],
        attrs=attrs,
        evidence=evidence,
    )


def roles(page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()) -> list[Resource]:
    """The gcp.iam.role resources of one `roles.list` page."""
    return [role(r, evidence) for r in page.get("roles", [])]


def _client(api: GcpApi) -> Any:
    from google.cloud import iam_admin_v1

    return api.clients.grpc_only(HOST, iam_admin_v1.IAMClient)


def _custom(api: GcpApi, scope: Scope, node: Node) -> Found:
    from google.cloud.iam_admin_v1 import RoleView

    client = _client(api)
    request = {"parent": node.name, "view": RoleView.FULL, "show_deleted": True}

    def fetch(retry: Any) -> Any:
        return client.list_roles(request=request, retry=retry, timeout=READ_TIMEOUT).pages

    params = {"parent": node.name, "view": "FULL", "showDeleted": True}
    found: list[Resource] = []
    for page in api.pages(LIST_ROLES, node.account, fetch, params, target=node.name):
        items(api, LIST_ROLES, node.account, page, "roles")
        data = dict(page.data)
        found.extend(api.shaped(LIST_ROLES, node.account, partial(roles, data, (page.ref,))))
    return Found(resources=found)


def _select(found: Collected) -> Iterable[tuple[str, str, Any]]:
    policies: list[Iterable[dict[str, Any]]] = [
        b for _name, b in found.staged.get(STAGED_POLICIES, [])
    ]
    for rtype, attr in BINDING_ATTRS:
        policies += [
            r.attrs[attr] for r in found.of_type(rtype) if isinstance(r.attrs.get(attr), list)
        ]
    # A dataset's access entries may name IAM roles too (`roles/bigquery.dataEditor`).
    policies += [
        [e for e in r.attrs["access"] if str(e.get("role", "")).startswith(ROLE_PREFIXES)]
        for r in found.of_type("gcp.bigquery.dataset")
        if isinstance(r.attrs.get("access"), list)
    ]
    listed = [r.attrs["name"] for r in found.of_type(ROLE)]
    for name in to_get(bound_roles(policies), listed):
        yield f"role {name}", owner(name), name


def _get(api: GcpApi, scope: Scope, name: str) -> Found:
    client = _client(api)
    try:
        page = api.call(
            GET_ROLE,
            owner(name),
            lambda retry: client.get_role(
                request={"name": name}, retry=retry, timeout=READ_TIMEOUT
            ),
            {"name": name},
            target=name,
        )
    except GcpCallError as exc:
        # A role that does not exist grants nothing: a fact (Absent), not a failed call.
        exc.reported = exc.code == "NOT_FOUND"
        value = exc.unknowable()
        attrs = {
            "name": name,
            **dict.fromkeys(("title", "included_permissions", "stage", "deleted"), value),
        }
        found = role_of(attrs)
        if exc.code == "NOT_FOUND":
            found = replace(
                found,
                attrs={},
                placeholder=Absent(f"role {name} does not exist (roles.get answered 404)"),
            )
        return Found(resources=[found])
    return Found(
        resources=[api.shaped(GET_ROLE, owner(name), lambda: role(dict(page.data), (page.ref,)))]
    )


SERVICE = Service(
    name="iam roles",
    listers=(
        Lister(
            "custom roles",
            "node",
            (ROLE,),
            (LIST_ROLES,),
            _custom,
            kinds=("organization", "project"),
        ),
    ),
    detailers=(Detailer("bound roles", 4, (ROLE,), (GET_ROLE,), _select, _get),),
)
