"""The resource hierarchy a plan describes: google_project and google_folder resources and
where they sit (folder_id, org_id, parent), the organizations the plan names, and the IAM
policy parts (audit configs, bindings) it sets on each of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from weakref import WeakKeyDictionary

from scanner.model import Unknowable
from scanner.plan.context import PlanContext, PlanResource, first_unknown
from scanner.providers.gcp.terraform import iam
from scanner.providers.gcp.terraform.common import folder_name, known, org_name, project_of

PROJECT = "google_project"
FOLDER = "google_folder"
AUDIT = {
    "google_project_iam_audit_config": "project",
    "google_folder_iam_audit_config": "folder",
    "google_organization_iam_audit_config": "organization",
}
IAM_KINDS = ("member", "binding", "policy")
IAM = {
    f"google_{level}_iam_{kind}": level
    for level in ("project", "folder", "organization")
    for kind in IAM_KINDS
}
SERVICE = "google_project_service"


_GROUPS: WeakKeyDictionary[PlanContext, dict[tuple[str, Any], list[PlanResource]]] = (
    WeakKeyDictionary()
)


def _grouped(ctx: PlanContext) -> dict[tuple[str, Any], list[PlanResource]]:
    """The plan's audit-config, IAM and service resources by (kind, owner), built once per
    plan so that N projects cost N lookups, not N x resources."""
    found = _GROUPS.get(ctx)
    if found is None:
        found = {}
        for res in ctx.resources:
            if res.type in AUDIT:
                kind, owner = "audit", owner_of(ctx, res, AUDIT[res.type])
            elif res.type in IAM:
                kind, owner = "iam", owner_of(ctx, res, IAM[res.type])
            elif res.type == SERVICE:
                kind, owner = "service", project_of(ctx, res)
            else:
                continue
            found.setdefault((kind, owner if isinstance(owner, str) else None), []).append(res)
        _GROUPS[ctx] = found
    return found


class _Unplaced(Exception):
    def __init__(self, marker: Unknowable) -> None:
        self.marker = marker


def _of(ctx: PlanContext, kind: str, owner: str) -> Iterator[PlanResource]:
    """The resources of `kind` set on `owner`; _Unplaced when one of that kind sits on a
    project, folder or organization known only after apply (it may be this one)."""
    stray = _grouped(ctx).get((kind, None))
    if stray:
        raise _Unplaced(
            Unknowable(f"{stray[0].address} applies to a parent not known before apply")
        )
    yield from _grouped(ctx).get((kind, owner), [])


def placed(fn: Callable[[PlanContext, str], Any]) -> Callable[[PlanContext, str], Any]:
    """`fn`, answering Unknowable when the plan holds a resource of its kind whose owner is
    known only after apply."""

    def wrapped(ctx: PlanContext, owner: str) -> Any:
        try:
            return fn(ctx, owner)
        except _Unplaced as exc:
            return exc.marker

    wrapped.__doc__ = fn.__doc__
    return wrapped


def project_id(res: PlanResource) -> str | None:
    """The project ID of a google_project."""
    return known(res.values.get("project_id"))


def folder_of(res: PlanResource) -> str | Unknowable | None:
    """The relative name of a google_folder (`folders/<n>`; known once it exists)."""
    own = res.values.get("name")
    if isinstance(own, Unknowable):
        found = folder_name(res.values.get("folder_id"))
        return found if found is not None else own
    return folder_name(own) if known(own) else None


def projects(ctx: PlanContext) -> dict[Any, PlanResource]:
    """The plan's google_project resources by project ID."""
    return ctx.index("gcp-projects", (PROJECT,), project_id)


def folders(ctx: PlanContext) -> dict[Any, PlanResource]:
    """The plan's google_folder resources by relative name (when known)."""
    return ctx.index("gcp-folders", (FOLDER,), _folder_key)


def _folder_key(res: PlanResource) -> str | None:
    name = folder_of(res)
    return name if isinstance(name, str) else None


def project_parent(res: PlanResource) -> str | Unknowable:
    """Where a google_project sits: its folder, else its organization."""
    folder = folder_name(res.values.get("folder_id"))
    if folder is not None:
        return folder
    org = org_name(res.values.get("org_id"))
    if org is not None:
        return org
    return Unknowable(f"{res.address} names neither folder_id nor org_id")


def folder_parent(res: PlanResource) -> str | Unknowable:
    """Where a google_folder sits (`parent`: `folders/<n>` or `organizations/<n>`)."""
    parent = res.values.get("parent")
    if isinstance(parent, Unknowable):
        return parent
    return str(parent) if known(parent) else Unknowable(f"{res.address} has no parent")


def ancestors(ctx: PlanContext, parent: str | Unknowable) -> list[str] | Unknowable:
    """The ancestors from `parent` up to the organization, nearest first; Unknowable when a
    folder on the way is not in the plan (its parent is then not known)."""
    chain: list[str] = []
    current: str | Unknowable = parent
    while True:
        if isinstance(current, Unknowable):
            return current
        chain.append(current)
        if current.startswith("organizations/"):
            return chain
        folder = folders(ctx).get(current)
        if folder is None or len(chain) > 64:
            return Unknowable(
                f"{current} is not in this plan, so the hierarchy above it is not known"
            )
        current = folder_parent(folder)


def under(ctx: PlanContext, parent: str) -> list[str]:
    """The project IDs of the plan's projects below `parent` (a folder or an organization)."""
    found = []
    for pid, res in projects(ctx).items():
        chain = ancestors(ctx, project_parent(res))
        if isinstance(chain, list) and parent in chain:
            found.append(str(pid))
    return sorted(found)


def owner_of(ctx: PlanContext, res: PlanResource, level: str) -> str | Unknowable | None:
    """The relative name of the project, folder or organization an IAM resource sets."""
    if level == "project":
        project = project_of(ctx, res)
        return f"projects/{project}" if isinstance(project, str) else project
    if level == "folder":
        return folder_name(res.values.get("folder"))
    return org_name(res.values.get("org_id"))


@placed
def audit_configs(ctx: PlanContext, owner: str) -> list[dict[str, Any]] | Unknowable:
    """The auditConfigs the plan sets on `owner` (`{service, log_configs}` as the live scan
    normalizes them), from *_iam_audit_config resources and authoritative *_iam_policy
    documents."""
    found: list[dict[str, Any]] = []
    for res in _of(ctx, "audit", owner):
        raw = [
            {"log_type": c.get("log_type"), "exempted_members": c.get("exempted_members") or []}
            for c in res.values.get("audit_log_config") or []
        ]
        entry = {"service": res.values.get("service"), "log_configs": raw}
        marker = first_unknown(entry)
        if marker is not None:
            return marker
        found.append(entry)
    for res in _of(ctx, "iam", owner):
        if res.type.endswith("_policy"):
            document = iam.policy_document(res)
            if isinstance(document, Unknowable):
                return document
            for raw_config in document.get("auditConfigs") or []:
                found.append(
                    {
                        "service": raw_config.get("service"),
                        "log_configs": [
                            {
                                "log_type": c.get("logType"),
                                "exempted_members": list(c.get("exemptedMembers") or []),
                            }
                            for c in raw_config.get("auditLogConfigs") or []
                        ],
                    }
                )
    return found


@placed
def bindings(ctx: PlanContext, owner: str) -> list[dict[str, Any]] | Unknowable:
    """The role bindings the plan grants on `owner` ({role, members, condition}), from
    *_iam_member, *_iam_binding and *_iam_policy resources."""
    return iam.bindings(_of(ctx, "iam", owner))


@placed
def enabled_services(ctx: PlanContext, project: str) -> set[str] | Unknowable:
    """The services the plan enables on a project (google_project_service)."""
    found: set[str] = set()
    for res in _of(ctx, "service", project):
        service = res.values.get("service")
        if isinstance(service, Unknowable):
            return service
        if isinstance(service, str):
            found.add(service)
    return found


def owners(ctx: PlanContext) -> list[tuple[str, str | None]]:
    """Every (kind, owner) the plan's audit-config, IAM and service resources set."""
    return list(_grouped(ctx))
