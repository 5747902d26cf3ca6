"""The effective Data Access audit configuration of a project: the union over the project and
every ancestor (folders, organization) of their own IAM policies' auditConfigs.

A project's getIamPolicy holds only the project's own auditConfigs; a log type enabled on a
parent folder or the organization is enabled for the project too and cannot be disabled below
("You can't disable Data Access audit logs that are enabled in a parent",
cloud.google.com/logging/docs/audit/configure-data-access). For one service, allServices and
the service's own config combine as a union of log types and of exempted members
(cloud.google.com/resource-manager/reference/rest/v1/Policy#AuditConfig). So a level whose
policy could not be read leaves the effective config unknown, never "not configured".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.model import Absent, Resource, Unknowable

ALL_SERVICES = "allServices"
LOG_TYPES = {"ADMIN_READ": "admin_read", "DATA_READ": "data_read", "DATA_WRITE": "data_write"}

Lookup = Callable[[str], Resource | None]


def chain(project: Resource) -> list[str] | Unknowable:
    """The project's relative name and its ancestors', nearest first."""
    ancestors = project.attrs.get("ancestors")
    if ancestors is None:
        # Without the ancestry, inherited configs and grants cannot be told (a plan that
        # does not say where the project sits).
        return Unknowable(f"the ancestry of project {project.account} is not known")
    if isinstance(ancestors, Unknowable):
        return Unknowable(
            f"the ancestry of project {project.account} could not be read: {ancestors.reason}",
            ancestors.error,
        )
    name = project.attrs.get("name")
    own = name if isinstance(name, str) else f"projects/{project.account}"
    return [own, *[a for a in ancestors or [] if a != own]]


def level_attr(level: str, found: Resource | None, attr: str, project: str) -> Any:
    """One level's attribute (`audit_configs`, `bindings`), or Unknowable naming the level."""
    if found is None:
        return Unknowable(
            f"{level}, an ancestor of project {project}, is outside what was scanned: its IAM "
            "policy could not be read"
        )
    if isinstance(found.placeholder, Unknowable):
        return Unknowable(f"{level}: {found.placeholder.reason}", found.placeholder.error)
    if isinstance(found.placeholder, Absent):
        return Unknowable(f"{level}: {found.placeholder.reason}")
    value = found.attrs.get(attr)
    if isinstance(value, Unknowable):
        return Unknowable(
            f"the IAM policy of {level} could not be read: {value.reason}", value.error
        )
    if value is None:
        return Unknowable(f"the IAM policy of {level} was not collected")
    return value


def first_problem(problems: list[Unknowable]) -> Unknowable | None:
    """An error outranks an unknown."""
    return next((p for p in problems if p.error), next(iter(problems), None))


def effective(project: Resource, lookup: Lookup) -> dict[str, Any] | Unknowable:
    """The effective audit_logging value of `project` (see the gcp.project schema)."""
    levels = chain(project)
    if isinstance(levels, Unknowable):
        return levels
    problems: list[Unknowable] = []
    found: dict[str, Any] = {"admin_read": False, "data_read": False, "data_write": False}
    exempted: list[dict[str, str]] = []
    set_at: list[str] = []
    for level in levels:
        res = project if level == levels[0] else lookup(level)
        configs = level_attr(level, res, "audit_configs", project.account)
        if isinstance(configs, Unknowable):
            problems.append(configs)
            continue
        for config in configs:
            if isinstance(config, Unknowable):
                problems.append(Unknowable(f"{level}: {config.reason}", config.error))
                continue
            _add(config, level, found, exempted, set_at)
    problem = first_problem(problems)
    if problem is not None:
        return problem
    return {**found, "exempted_members": exempted, "set_at": set_at}


def _add(
    config: Mapping[str, Any],
    level: str,
    found: dict[str, Any],
    exempted: list[dict[str, str]],
    set_at: list[str],
) -> None:
    service = str(config.get("service", ""))
    for log_config in config.get("log_configs") or []:
        log_type = str(log_config.get("log_type", ""))
        if service == ALL_SERVICES and log_type in LOG_TYPES:
            found[LOG_TYPES[log_type]] = True
            if level not in set_at:
                set_at.append(level)
        for member in log_config.get("exempted_members") or []:
            row = {"member": member, "log_type": log_type, "service": service, "set_at": level}
            if row not in exempted:
                exempted.append(row)
