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

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.base import Call
from scanner.providers.gcp.protojson import rest_json

if TYPE_CHECKING:
    from google.cloud.iam_admin_v1 import IAMClient

HOST = "iam.googleapis.com"
ROLE = "gcp.iam.role"

GET_ROLE = Call(HOST, "roles.get", "iam.roles.get")
LIST_ROLES = Call(HOST, "roles.list", "iam.roles.list")
CALLS = (GET_ROLE, LIST_ROLES)

# Role.stage's zero value: proto3 JSON omits it, so an absent stage is ALPHA.
DEFAULT_STAGE = "ALPHA"


def get_role(client: IAMClient, name: str) -> dict[str, Any]:
    """`roles.get` of one role (`roles/x`, `projects/p/roles/x`, `organizations/o/roles/x`)."""
    return rest_json(client.get_role(request={"name": name}))


def list_custom_roles(client: IAMClient, parent: str) -> Iterator[dict[str, Any]]:
    """Every page of the custom roles of `projects/p` or `organizations/o`, with their
    permissions and deleted ones included."""
    from google.cloud.iam_admin_v1 import RoleView

    request = {"parent": parent, "view": RoleView.FULL, "show_deleted": True}
    for page in client.list_roles(request=request).pages:
        yield rest_json(page)


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
    """One gcp.iam.role resource."""
    attrs = role_attrs(raw)
    return Resource(
        provider="gcp",
        account=owner(attrs["name"]),
        region="global",
        type=ROLE,
        id=f"//{HOST}/{attrs['name']}",
        name=attrs["name"],
        attrs=attrs,
        evidence=evidence,
    )


def roles(page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()) -> list[Resource]:
    """The gcp.iam.role resources of one `roles.list` page."""
    return [role(r, evidence) for r in page.get("roles", [])]
