"""Whether a sink's writer identity may write to its destination.

"Until you grant this identity write-access to the destination, log entry exports from this
sink will fail"; "sinks that have a destination that is a log bucket in the same project as
the sink do not have a writer_identity and no additional permissions are required" (LogSink
`writerIdentity`, cloud.google.com/logging/docs/reference/v2/rest/v2/projects.sinks). A grant
counts on the destination itself (bucket IAM, dataset access) or on its project or any
ancestor of that project (IAM inheritance). A role is resolved to its permissions from the
collected roles; a role that was not collected counts only when it is one of the documented
writer roles below.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from scanner.inventory import Inventory
from scanner.model import Absent, Resource, Unknowable
from scanner.providers.gcp.analysis import audit_config
from scanner.providers.gcp.analysis.tamper import Roles

PERMISSION = {
    "gcp.storage.bucket": "storage.objects.create",
    "gcp.logging.bucket": "logging.buckets.write",
    "gcp.bigquery.dataset": "bigquery.tables.updateData",
}
# Documented roles that carry the write permission (used when the role was not collected).
KNOWN_WRITERS = {
    "gcp.storage.bucket": frozenset(
        {
            "roles/storage.objectCreator",
            "roles/storage.objectUser",
            "roles/storage.objectAdmin",
            "roles/storage.admin",
            "roles/storage.legacyBucketWriter",
            "roles/storage.legacyBucketOwner",
        }
    ),
    "gcp.logging.bucket": frozenset({"roles/logging.bucketWriter"}),
    # Dataset access entries name legacy roles (WRITER, OWNER) or IAM roles.
    "gcp.bigquery.dataset": frozenset(
        {
            "WRITER",
            "OWNER",
            "roles/bigquery.dataEditor",
            "roles/bigquery.dataOwner",
            "roles/bigquery.admin",
        }
    ),
}
PUBLIC = ("allUsers", "allAuthenticatedUsers")


# The resource-name conditions the Logging docs show for a writer grant limited to one
# destination (a bucketWriter grant on the destination project with
# `resource.name.endsWith("buckets/<id>")`, and the like): one comparison of resource.name,
# judged against the name IAM checks the write on. Anything else is not evaluated (unknown).
_NAME_TEST = re.compile(
    r'\s*resource\.name\s*(?:(==)\s*"([^"]*)"|\.(startsWith|endsWith)\(\s*"([^"]*)"\s*\))\s*'
)


def condition_holds(expression: str, dest: Resource) -> bool | None:
    """Whether an IAM condition holds for the sink's writes to `dest`: None when it is not a
    single resource.name comparison or its answer depends on the object written. Writes are
    checked on the log bucket's name (logging.buckets.write) or, for Cloud Storage, on the
    new object's name `projects/_/buckets/<b>/objects/<o>` (storage.objects.create)."""
    m = _NAME_TEST.fullmatch(expression)
    if m is None:
        return None
    op, value = (m[1], m[2]) if m[1] else (m[3], m[4])
    if dest.type == "gcp.logging.bucket":
        name = str(dest.attrs.get("name") or "")
        if not name:
            return None
        return {"==": name == value, "startsWith": name.startswith(value)}.get(
            op, name.endswith(value)
        )
    if dest.type == "gcp.storage.bucket":
        prefix = f"projects/_/buckets/{dest.attrs.get('name') or dest.name}/objects/"
        if op == "startsWith" and prefix.startswith(value):
            return True  # every object of the bucket
        if op != "endsWith" and not value.startswith(prefix):
            return False  # no object of the bucket
        return None  # depends on the object's name
    return None


class _Verdict:
    """Grants found so far: a plain grant decides; conditions and unknowns are remembered."""

    def __init__(self) -> None:
        self.granted = False
        self.conditional: list[str] = []
        self.problems: list[Unknowable] = []

    def result(self, who: str, dest: str) -> bool | Unknowable:
        if self.granted:
            return True
        problem = audit_config.first_problem(self.problems)
        if problem is not None:
            return problem
        if self.conditional:
            return Unknowable(
                f"{who} may write to {dest} only under IAM condition(s), which are not "
                f"evaluated: {'; '.join(self.conditional)}"
            )
        return False


def writer_can_write(
    inventory: Inventory, sink: Resource, find: audit_config.Lookup
) -> bool | Unknowable:
    """writer_can_write of one sink (see the gcp.logging.sink schema)."""
    link = sink.links.get("destination")
    if link is None or (not link.targets and link.unresolved is None):
        return Unknowable(f"the destination of sink {sink.name} was not resolved")
    if not link.targets:
        assert link.unresolved is not None
        return link.unresolved
    dest = inventory.get(link.targets[0])
    if dest is None:
        return Unknowable(f"destination {link.targets[0]} was not collected")
    if isinstance(dest.placeholder, Absent):
        return False  # nobody can write to a destination that does not exist
    if dest.placeholder is not None:
        return Unknowable(dest.placeholder.reason, dest.placeholder.error)
    if dest.type == "gcp.logging.bucket" and dest.attrs.get("parent") == sink.attrs.get("parent"):
        return True
    who = sink.attrs.get("writer_identity")
    if isinstance(who, Unknowable):
        return Unknowable(f"writer_identity: {who.reason}", who.error)
    if not isinstance(who, str) or not who:
        return Unknowable(
            f"sink {sink.name} has no writer identity, so who writes to {dest.name} cannot be told"
        )
    verdict = _Verdict()
    roles = Roles(inventory)
    _own_grants(dest, who, roles, verdict)
    if not verdict.granted:
        _inherited_grants(dest, who, roles, find, verdict)
    return verdict.result(who, f"{dest.kind} {dest.name}")


def _own_grants(dest: Resource, who: str, roles: Roles, verdict: _Verdict) -> None:
    if dest.type == "gcp.logging.bucket":
        return  # log buckets carry no IAM policy of their own
    attr = "access" if dest.type == "gcp.bigquery.dataset" else "bindings"
    if attr not in dest.attrs:
        verdict.problems.append(
            Unknowable(f"the {attr} of {dest.kind} {dest.name} were not collected")
        )
        return
    value = dest.attrs.get(attr)
    if isinstance(value, Unknowable):
        verdict.problems.append(
            Unknowable(f"{dest.kind} {dest.name}: {attr}: {value.reason}", value.error)
        )
        return
    if attr == "access":
        value = [
            {"role": e.get("role"), "members": [e.get("member")], "condition": e.get("condition")}
            for e in value or []
        ]
    _check(value or [], who, dest, roles, verdict)


def _inherited_grants(
    dest: Resource, who: str, roles: Roles, find: audit_config.Lookup, verdict: _Verdict
) -> None:
    owner = find(dest.account if "/" in dest.account else f"projects/{dest.account}")
    if owner is None:
        verdict.problems.append(
            Unknowable(
                f"{dest.kind} {dest.name} does not grant {who} itself, and the IAM "
                f"policies of {dest.account} and its ancestors were not read"
            )
        )
        return
    levels = audit_config.chain(owner)
    if isinstance(levels, Unknowable):
        verdict.problems.append(levels)
        return
    for level in levels:
        found = owner if level == levels[0] else find(level)
        bindings = audit_config.level_attr(level, found, "bindings", owner.account)
        if isinstance(bindings, Unknowable):
            verdict.problems.append(bindings)
            continue
        _check(bindings, who, dest, roles, verdict)


def _check(
    bindings: Sequence[Any], who: str, dest: Resource, roles: Roles, verdict: _Verdict
) -> None:
    rtype = dest.type
    for binding in bindings:
        if isinstance(binding, Unknowable):
            verdict.problems.append(binding)
            continue
        members = binding.get("members") or []
        if who not in members and not any(m in PUBLIC for m in members):
            continue
        role = str(binding.get("role", ""))
        perms = roles.permissions(role)
        if "/" not in role:  # a dataset's legacy role (READER, WRITER, OWNER)
            writes = role in KNOWN_WRITERS[rtype]
        elif isinstance(perms, Unknowable):
            if role not in KNOWN_WRITERS[rtype]:
                verdict.problems.append(perms)
                continue
            writes = True
        else:
            writes = PERMISSION[rtype] in perms or role in KNOWN_WRITERS[rtype]
        if not writes:
            continue
        condition = binding.get("condition")
        expression = condition.get("expression") if isinstance(condition, dict) else None
        holds = condition_holds(str(expression), dest) if expression else True
        if holds is None:
            verdict.conditional.append(f"{role}: {expression}")
        elif holds:
            verdict.granted = True
            return
