"""Resource Manager: the hierarchy a scan covers, and each node's IAM policy.

Enumeration (before any other task): `--organization` and `--folders` walk the subtree level
by level with scoped searches (v3 `folders.search` and `projects.search` with the documented
`parent` query field, a batch of parents per call), so the scan never enumerates or reads
what lies outside its roots, and a project is in the scan because a search of a parent in
the subtree returned it, not because its ancestry could be read (a search that fails is an
error naming the parents whose children are therefore unknown). `--projects` is one
`projects.get` each. The ancestors of the roots and of named projects are read with
`folders.get` / `organizations.get`, once each, up to the organization. A node that cannot
be read is kept as a node whose attributes are that error, and the failure is in `errors`.

Then `getIamPolicy` (requestedPolicyVersion 3, so conditional bindings are returned whole)
of every node: `bindings` and `audit_configs` in the contract's shape, or, where it fails,
both Unknowable(error=True) naming the call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.model import CollectionError
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, GcpCallError, Page, items
from scanner.providers.gcp.declare import Found, Lister, Node, NodeKind, Scope, Service

S = "cloudresourcemanager"
HOST = "cloudresourcemanager.googleapis.com"
ORG_GET = Call(S, "organizations.get", "resourcemanager.organizations.get")
FOLDER_GET = Call(S, "folders.get", "resourcemanager.folders.get")
PROJECT_GET = Call(S, "projects.get", "resourcemanager.projects.get")
# search returns what the caller may `get`: the same permissions.
FOLDERS_SEARCH = Call(S, "folders.search", "resourcemanager.folders.get")
PROJECTS_SEARCH = Call(S, "projects.search", "resourcemanager.projects.get")
ORG_IAM = Call(S, "organizations.getIamPolicy", "resourcemanager.organizations.getIamPolicy")
FOLDER_IAM = Call(S, "folders.getIamPolicy", "resourcemanager.folders.getIamPolicy")
PROJECT_IAM = Call(S, "projects.getIamPolicy", "resourcemanager.projects.getIamPolicy")
NODE_TYPES = ("gcp.organization", "gcp.folder", "gcp.project")


def _client(api: GcpApi, kind: str) -> Any:
    from google.cloud import resourcemanager_v3 as rm

    cls = {
        "organization": rm.OrganizationsClient,
        "folder": rm.FoldersClient,
        "project": rm.ProjectsClient,
    }[kind]
    return api.clients.gapic(HOST, cls)


@dataclass
class Tree:
    """What enumeration found: nodes by name, failures, and what was left out."""

    nodes: dict[str, Node] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)
    unreadable: dict[str, GcpCallError] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _node(data: Mapping[str, Any], kind: str, page: Page) -> Node:
    """A node from a Project, Folder or Organization answer (REST JSON)."""
    number = str(data.get("name", "")).split("/", 1)[-1]
    if kind == "project":
        return Node(
            name=f"projects/{data.get('projectId', number)}",
            kind="project",
            parent=data.get("parent") or None,
            display_name=data.get("displayName"),
            state=data.get("state"),
            project_number=number,
            evidence=(page.ref,),
        )
    return Node(
        name=str(data.get("name")),
        kind="folder" if kind == "folder" else "organization",
        parent=data.get("parent") or None,
        display_name=data.get("displayName"),
        state=data.get("state"),
        evidence=(page.ref,),
    )


KINDS: dict[str, NodeKind] = {
    "organizations": "organization",
    "folders": "folder",
    "projects": "project",
}
_GETS = {
    "organization": (ORG_GET, "get_organization"),
    "folder": (FOLDER_GET, "get_folder"),
    "project": (PROJECT_GET, "get_project"),
}


def _get(api: GcpApi, tree: Tree, name: str) -> None:
    """Read one node by name (folders/N, organizations/N, projects/<id>) into the tree; one
    that cannot be read stays a bare node, its failure kept (`Tree.unreadable`)."""
    kind = KINDS[name.split("/", 1)[0]]
    bare = Node(name=name, kind=kind)
    call, method = _GETS[kind]
    client = _client(api, kind)
    try:
        page = api.call(
            call,
            bare.account,
            lambda retry: getattr(client, method)(name=name, retry=retry, timeout=READ_TIMEOUT),
            {"name": name},
            target=name,
        )
    except GcpCallError as exc:
        exc.reported = True
        tree.unreadable[name] = exc
        tree.nodes.setdefault(name, bare)
        tree.errors.append(
            CollectionError(
                "gcp",
                bare.account,
                "global",
                call.operation,
                exc.code,
                exc.message,
                (f"gcp.{kind}",),
                bare.id,
            )
        )
        return
    node = _node(page.data, kind, page)
    tree.nodes[node.name] = node


# Parents named in one search query: the query's fields are OR-ed (projects.search: "If
# multiple fields are included in the query, then it will return results that match any of
# the fields"; folders.search: the `OR` operator), so one call covers a batch of folders.
# https://cloud.google.com/resource-manager/reference/rest/v3/projects/search
BATCH = 10


def _query(kind: str, parents: list[str]) -> str:
    if kind == "project":
        return " ".join(f"parent:{p}" for p in parents)
    return " OR ".join(f"parent={p}" for p in parents)


def _search(
    api: GcpApi, tree: Tree, kind: str, parents: list[str], account: str = ""
) -> list[Node] | None:
    """The folders or projects whose parent is one of `parents` (one paged, scoped search;
    no parents: everything the caller may see); None when it failed, the failure in
    `tree.errors` naming the parents whose children are therefore not known."""
    call = PROJECTS_SEARCH if kind == "project" else FOLDERS_SEARCH
    client = _client(api, kind)
    method = "search_projects" if kind == "project" else "search_folders"
    query = _query(kind, parents) if parents else ""
    account = account or ",".join(parents)
    try:
        pages = api.pages(
            call,
            account,
            lambda retry: (
                getattr(client, method)(query=query, retry=retry, timeout=READ_TIMEOUT).pages
            ),
            {"query": query},
        )
        key = "projects" if kind == "project" else "folders"
        found = [_node(d, kind, p) for p in pages for d in items(api, call, account, p, key)]
    except GcpCallError as exc:
        exc.reported = True
        tree.errors.append(
            CollectionError(
                "gcp",
                account,
                "global",
                call.operation,
                exc.code,
                f"{exc.message} (so the {kind}s under {', '.join(parents or [account])} are"
                " not known)",
                NODE_TYPES,
            )
        )
        return None
    # Only children of the asked parents: membership comes from the query, never from a
    # guess (a search answer naming any other parent is not trusted into the scan).
    return [n for n in found if n.parent in parents] if parents else found


def _subtree(api: GcpApi, tree: Tree, roots: list[str]) -> list[Node]:
    """Every folder and project below `roots`, level by level with scoped searches, so the
    scan reads nothing outside them and a project's membership never depends on reading its
    ancestors (a folder the caller may not `get` is simply not below a searched parent). The
    projects found, in search order."""
    projects: list[Node] = []
    # A root that could not be read is searched below all the same (search may be allowed).
    level = list(dict.fromkeys(roots))
    seen = set(level)
    while level:
        below: list[str] = []
        for start in range(0, len(level), BATCH):
            batch = level[start : start + BATCH]
            for folder in _search(api, tree, "folder", batch) or []:
                if folder.name not in seen:
                    seen.add(folder.name)
                    tree.nodes.setdefault(folder.name, folder)
                    below.append(folder.name)
            for project in _search(api, tree, "project", batch) or []:
                if project.name not in tree.nodes:
                    tree.nodes[project.name] = project
                    projects.append(project)
        level = below
    return projects


def _place(project: Node, index: Mapping[str, Node], roots: list[str]) -> str:
    """ "in" when the parent chain (through what the searches returned) reaches a root, "out"
    when it reaches another organization or ends, "unknown" at a folder nobody returned."""
    node, seen = project, set()
    while node.parent and node.parent not in seen:
        parent = node.parent
        seen.add(parent)
        if parent in roots:
            return "in"
        if parent.startswith("organizations/") or parent not in index:
            return "out" if parent.startswith("organizations/") else "unknown"
        node = index[parent]
    return "out"


def _cross_check(api: GcpApi, tree: Tree, roots: list[str]) -> list[Node]:
    """Every project the caller can see (an unscoped, paged search of folders and projects,
    read as lists only: no node outside the scan is read), placed by its parent chain through
    those lists. One the scoped walk missed (search is eventually consistent) but whose chain
    reaches a root is scanned; one whose chain breaks at a folder the caller cannot see may
    or may not be below the roots: it is not scanned and one error names it (never a silent
    drop). Projects of other organizations are left alone."""
    account = ",".join(roots)
    folders = _search(api, tree, "folder", [], account)
    projects = _search(api, tree, "project", [], account)
    if folders is None or projects is None:
        return []  # the failed search is already an error naming what is not known
    index = {f.name: f for f in folders}
    index.update(tree.nodes)
    found: list[Node] = []
    undecided: list[str] = []
    for project in (p for p in projects if p.name not in tree.nodes):
        place = _place(project, index, roots)
        if place == "in":
            parent = project.parent or ""
            while parent in index and parent not in tree.nodes:
                tree.nodes[parent] = index[parent]
                parent = index[parent].parent or ""
            tree.nodes[project.name] = project
            found.append(project)
        elif place == "unknown":
            undecided.append(f"{project.account} (parent {project.parent})")
    if undecided:
        tree.errors.append(
            CollectionError(
                "gcp",
                account,
                "global",
                PROJECTS_SEARCH.operation,
                "MEMBERSHIP_UNKNOWN",
                f"{len(undecided)} project(s) the caller can see are under a folder it cannot"
                f" see, so whether they are under {account} is unknown; not scanned: "
                + ", ".join(sorted(undecided)),
                NODE_TYPES,
            )
        )
    return found


def _resolve_parents(api: GcpApi, tree: Tree, names: Iterable[str]) -> None:
    """Read the ancestors of `names` not yet known, up to the organization (each once)."""
    for name in names:
        node = tree.nodes.get(name)
        while node is not None and node.parent:
            parent = node.parent
            if parent in tree.unreadable:
                break
            if parent not in tree.nodes:
                _get(api, tree, parent)
            node = tree.nodes.get(parent)


def enumerate_scope(
    api: GcpApi,
    organization: str | None = None,
    folders: Iterable[str] = (),
    projects: Iterable[str] = (),
) -> tuple[Scope, Tree]:
    """The nodes a scan covers (see the module docstring)."""
    tree = Tree()
    roots = [f"organizations/{organization}"] if organization else []
    roots += [f"folders/{f}" for f in folders]
    for root in roots:
        _get(api, tree, root)
    wanted = [*_subtree(api, tree, roots), *_cross_check(api, tree, roots)] if roots else []
    for project_id in projects:
        # A named project that cannot be read is still scanned: every call about it then
        # fails, and its rows are errors rather than missing.
        _get(api, tree, f"projects/{project_id}")
        wanted.append(tree.nodes[f"projects/{project_id}"])
    # The roots' and named projects' own ancestors: their policies and sinks reach into the
    # scan. Nodes found below a root need none (their parents were searched).
    _resolve_parents(api, tree, [*roots, *(f"projects/{p}" for p in projects)])
    inactive = sorted(p.name for p in wanted if p.state not in (None, "ACTIVE"))
    if inactive:
        tree.notes.append(
            f"{len(inactive)} project(s) not ACTIVE were not scanned: " + ", ".join(inactive)
        )
    for project in wanted:
        if project.state in (None, "ACTIVE"):
            tree.nodes[project.name] = replace(tree.nodes[project.name], in_scan=True)
    org = next((n.name for n in tree.nodes.values() if n.kind == "organization"), None)
    return Scope(nodes=dict(tree.nodes), organization=org), tree


def _policy(data: Mapping[str, Any]) -> dict[str, Any]:
    """`bindings` and `audit_configs` of an IAM policy's REST JSON."""
    bindings = [
        {
            "role": str(b.get("role", "")),
            "members": [str(m) for m in b.get("members", [])],
            "condition": (
                {
                    "title": str(b["condition"].get("title", "")),
                    "expression": str(b["condition"].get("expression", "")),
                }
                if isinstance(b.get("condition"), Mapping)
                else None
            ),
        }
        for b in data.get("bindings", [])
    ]
    audit = [
        {
            "service": str(a.get("service", "")),
            "log_configs": [
                {
                    "log_type": str(c.get("logType", "LOG_TYPE_UNSPECIFIED")),
                    "exempted_members": [str(m) for m in c.get("exemptedMembers", [])],
                }
                for c in a.get("auditLogConfigs", [])
            ],
        }
        for a in data.get("auditConfigs", [])
    ]
    return {"bindings": bindings, "audit_configs": audit}


def _iam(api: GcpApi, scope: Scope, node: Node) -> Found:
    call = {"organization": ORG_IAM, "folder": FOLDER_IAM, "project": PROJECT_IAM}[node.kind]
    client = _client(api, node.kind)
    request = {"resource": node.name, "options": {"requested_policy_version": 3}}
    page = api.call(
        call,
        node.account,
        lambda retry: client.get_iam_policy(request=request, retry=retry, timeout=READ_TIMEOUT),
        {"resource": node.name, "options": {"requestedPolicyVersion": 3}},
        target=node.name,
    )
    for key in ("bindings", "auditConfigs"):
        items(api, call, node.account, page, key)
    policy = _policy(page.data)
    return Found(
        node_attrs={node.name: policy},
        node_evidence={node.name: [page.ref]},
        # The roles these bindings name are read by iamroles (a later stage sees only staged
        # items and resources, not node attributes).
        staged={"iam_policies": [(node.name, policy["bindings"])]},
    )


SERVICE = Service(
    name="resourcemanager",
    listers=(
        Lister(
            "iam policy",
            "node",
            (),
            (ORG_IAM, FOLDER_IAM, PROJECT_IAM),
            _iam,
            attrs=("audit_configs", "bindings"),
        ),
    ),
    calls=(ORG_GET, FOLDER_GET, PROJECT_GET, FOLDERS_SEARCH, PROJECTS_SEARCH),
)
