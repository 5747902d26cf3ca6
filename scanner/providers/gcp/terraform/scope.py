"""The organization, folders and projects of a plan as gcp.organization, gcp.folder and
gcp.project: declared ones (google_project, google_folder) from their own resources, and
those the plan only names (an audit config on an organization, a sink in a project) from what
it sets on them. Their `audit_configs` and `bindings` are what the plan sets, judged (as
account-scope types are) only under --assume-complete, when the plan is the whole estate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.model import Resource, Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource
from scanner.providers.gcp.terraform import hierarchy
from scanner.providers.gcp.terraform.common import full_name, known

ORG = "gcp.organization"
FOLDER = "gcp.folder"
PROJECT = "gcp.project"
CLOUDASSET = "cloudasset.googleapis.com"
_HOST = "cloudresourcemanager.googleapis.com"


def _common(ctx: PlanContext, name: str, parent: Any, display: Any) -> dict[str, Any]:
    chain = hierarchy.ancestors(ctx, parent) if parent is not None else []
    return {
        "name": name,
        "display_name": display,
        "parent": parent,
        "ancestors": chain,
        # What the plan deploys is active once applied (deletions are not in planned_values).
        "state": "ACTIVE",
        "audit_configs": hierarchy.audit_configs(ctx, name),
        "bindings": hierarchy.bindings(ctx, name),
    }


def project_attrs(ctx: PlanContext, pid: str, res: PlanResource | None) -> dict[str, Any]:
    """A project's attributes from its google_project (when the plan declares it) and what
    the plan sets on it."""
    name = f"projects/{pid}"
    if res is not None:
        parent: Any = hierarchy.project_parent(res)
        display = res.values.get("name")
        number = res.values.get("number")
    else:
        parent = Unknowable(f"{name} is not declared in this plan (no google_project)")
        display = Unknowable(f"{name} is not declared in this plan")
        number = None
    services = hierarchy.enabled_services(ctx, pid)
    return {
        **_common(ctx, name, parent, display),
        "project_id": pid,
        "project_number": number
        if isinstance(number, Unknowable)
        else known(str(number) if number is not None else None)
        or Unknowable(f"the project number of {name} is not in this plan"),
        "in_scan": True,
        "cloudasset_enabled": services
        if isinstance(services, Unknowable)
        else CLOUDASSET in services,
    }


def project_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//cloudresourcemanager.googleapis.com/projects/<project ID>`, else the address."""
    pid = hierarchy.project_id(res)
    return full_name(_HOST, f"projects/{pid}") if pid else res.address


def project(res: PlanResource, ctx: PlanContext) -> Mapped:
    """A project the plan declares (google_project)."""
    pid = hierarchy.project_id(res) or res.address
    return Mapped(_resource(ctx.ids[res.address], PROJECT, pid, project_attrs(ctx, pid, res), pid))


def folder_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//cloudresourcemanager.googleapis.com/folders/<n>` once it exists, else the address."""
    name = hierarchy.folder_of(res)
    return full_name(_HOST, name) if isinstance(name, str) else res.address


def folder(res: PlanResource, ctx: PlanContext) -> Mapped:
    """A folder the plan declares (google_folder)."""
    name = hierarchy.folder_of(res)
    rel = name if isinstance(name, str) else res.address
    attrs = _common(ctx, rel, hierarchy.folder_parent(res), res.values.get("display_name"))
    return Mapped(_resource(ctx.ids[res.address], FOLDER, rel, attrs, rel))


def _resource(rid: str, rtype: str, name: str, attrs: dict[str, Any], account: str) -> Resource:
    return Resource(
        provider="gcp",
        account=account,
        region="global",
        type=rtype,
        id=rid,
        name=name,
        attrs=attrs,
    )


def named(ctx: PlanContext, resources: Sequence[Resource]) -> set[str]:
    """The relative names of every project, folder and organization the plan names: as the
    owner of a resource, an IAM setting or a service, or as an ancestor."""
    found: set[str] = set()
    for res in resources:
        if res.type in (PROJECT, FOLDER, ORG):
            chain, parent = res.attrs.get("ancestors"), res.attrs.get("parent")
            found.update(chain if isinstance(chain, list) else [])
            found.update([parent] if isinstance(parent, str) else [])
            continue
        if res.account.startswith(("folders/", "organizations/")):
            found.add(res.account)
        elif res.account != ctx.account and not res.account.startswith("billingAccounts/"):
            found.add(f"projects/{res.account}")
    for kind, owner in hierarchy.owners(ctx):
        if owner is None:
            continue
        found.add(owner if kind != "service" else f"projects/{owner}")
    return found


def scope(ctx: PlanContext, resources: Sequence[Resource]) -> list[Resource]:
    """The organizations, and the folders and projects the plan names but does not declare."""
    declared = {str(r.attrs.get("name")) for r in resources if r.type in (PROJECT, FOLDER)}
    out: list[Resource] = []
    for name in sorted(named(ctx, resources) - declared):
        rid = full_name(_HOST, name)
        if name.startswith("organizations/"):
            attrs = _common(
                ctx, name, None, Unknowable(f"the display name of {name} is not in a plan")
            )
            out.append(_resource(rid, ORG, name, attrs, name))
        elif name.startswith("folders/"):
            parent = Unknowable(f"{name} is not declared in this plan (no google_folder)")
            attrs = _common(ctx, name, parent, Unknowable(f"{name} is not declared in this plan"))
            out.append(_resource(rid, FOLDER, name, attrs, name))
        else:
            pid = name.removeprefix("projects/")
            out.append(_resource(rid, PROJECT, pid, project_attrs(ctx, pid, None), pid))
    return out
