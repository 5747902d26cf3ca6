"""Cloud SQL: the instances of every scanned project, with their database flags and, for
PostgreSQL, the effective value of each flag CIS GCP v4.0.0 6.2.1-6.2.8 judges.

Client: the official `google-cloud-sql` package (GAPIC `sqladmin_v1.SqlInstancesServiceClient`).
Its transport registry holds `grpc` and `grpc_asyncio` only (no REST), so, like Monitoring, it
is built by the seam's `grpc_only` and tests and `logward demo` reach the in-process gRPC fake
(`fake/grpc.py`). It was preferred to google-api-python-client's discovery client because it
shares the other GAPIC clients' credentials, retry and paging (`ListPager.pages`: iterating
the pager itself yields each page's `warnings`, not its instances), and the
gateway's error mapping reads its gRPC statuses (ErrorInfo SERVICE_DISABLED included) as it
does Monitoring's. Pages are kept as the documented REST JSON of `instances.list`
(cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/list: `items[]` of
DatabaseInstance, `settings.databaseFlags[]` of `{name, value}`), so evidence, fixtures and the
Terraform mapper share one shape.

A flag absent from `databaseFlags` takes the Cloud SQL default; `log_flags` and
`pgaudit_flags` carry the effective value and say where it came from, so a finding reads
`log_statement is "none" (not set: the Cloud SQL default)`. No google SDK is imported at
module import: the Terraform mapper (`terraform/sql.py`) reuses `flag_attrs`.

OAuth: `instances.list` accepts only the `cloud-platform` or `sqlservice.admin` scope (not
`cloud-platform.read-only`); the client gets the scan's credentials, which request
`cloud-platform` (`clients.SCOPES`, pinned by tests/gcp/test_oauth_scopes.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import EvidenceRef, Resource, Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, items
from scanner.providers.gcp.declare import Found, Lister, Node, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "sqladmin.googleapis.com"
INSTANCE = "gcp.sql.instance"

LIST_INSTANCES = Call("sqladmin", "instances.list", "cloudsql.instances.list")

ENGINES = (("POSTGRES_", "postgres"), ("MYSQL_", "mysql"), ("SQLSERVER_", "sqlserver"))

# The Cloud SQL for PostgreSQL default of each flag CIS 6.2.1-6.2.7 judges, in CIS order: the
# value an instance runs with when the flag is not in settings.databaseFlags. These are
# PostgreSQL's own defaults, which Cloud SQL keeps for these flags (CIS GCP v4.0.0 "Default
# Value" of each recommendation; postgresql.org/docs/current/runtime-config-logging.html).
LOG_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("log_error_verbosity", "default"),  # 6.2.1
    ("log_connections", "off"),  # 6.2.2
    ("log_disconnections", "off"),  # 6.2.3
    ("log_statement", "none"),  # 6.2.4
    ("log_min_messages", "warning"),  # 6.2.5
    ("log_min_error_statement", "error"),  # 6.2.6
    ("log_min_duration_statement", "-1"),  # 6.2.7
)
# CIS 6.2.8: the pgAudit extension is off unless this Cloud SQL flag is on
# (cloud.google.com/sql/docs/postgres/pg-audit: "cloudsql.enable_pgaudit ... set to on").
PGAUDIT_DEFAULTS: tuple[tuple[str, str], ...] = (("cloudsql.enable_pgaudit", "off"),)

SET = "set on the instance"
DEFAULTED = "not set: the Cloud SQL default"
# PostgreSQL's spellings of a boolean setting (postgresql.org/docs/current/config-setting.html).
_TRUE = frozenset({"on", "true", "yes", "1"})
_FALSE = frozenset({"off", "false", "no", "0"})
_BOOLEAN = frozenset({"log_connections", "log_disconnections", "cloudsql.enable_pgaudit"})


def engine_of(version: Any) -> str:
    """`postgres|mysql|sqlserver|other` from a databaseVersion such as POSTGRES_15."""
    text = str(version or "")
    return next((engine for prefix, engine in ENGINES if text.startswith(prefix)), "other")


def normalize(flag: str, value: str) -> str:
    """A flag value as PostgreSQL reads it: case-insensitive enums lowercased, booleans as
    on/off, integers without padding ("-01" is -1). Anything else is kept (lowercased), so
    a value PostgreSQL would reject never reads as an accepted one."""
    text = value.strip().lower()
    if flag in _BOOLEAN:
        return "on" if text in _TRUE else "off" if text in _FALSE else text
    if flag == "log_min_duration_statement":
        try:
            return str(int(text))
        except ValueError:
            return text
    return text


def effective_flags(
    flags: Mapping[str, Any] | Unknowable, defaults: tuple[tuple[str, str], ...]
) -> list[Any] | Unknowable:
    """One `{flag, value, origin}` per flag of `defaults`, in that order: the value set on
    the instance (normalized), else the default, `origin` saying which. A value unknown
    (a plan's known-after-apply) makes that element Unknowable, naming the flag."""
    if isinstance(flags, Unknowable):
        return flags
    found: list[Any] = []
    for flag, default in defaults:
        if flag not in flags:
            found.append({"flag": flag, "value": default, "origin": DEFAULTED})
            continue
        value = flags[flag]
        if isinstance(value, Unknowable):
            found.append(Unknowable(f"{flag}: {value.reason}", error=value.error))
        else:
            found.append({"flag": flag, "value": normalize(flag, str(value)), "origin": SET})
    return found


def flag_attrs(engine: str, flags: Mapping[str, Any] | Unknowable) -> dict[str, Any]:
    """`flags`, `log_flags` and `pgaudit_flags` (the last two empty unless PostgreSQL)."""
    postgres = engine == "postgres"
    return {
        "flags": flags,
        "log_flags": effective_flags(flags, LOG_DEFAULTS) if postgres else [],
        "pgaudit_flags": effective_flags(flags, PGAUDIT_DEFAULTS) if postgres else [],
    }


def instance_attrs(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The contract attributes of one DatabaseInstance (REST JSON)."""
    settings = raw.get("settings") or {}
    # A flag without a value (a MySQL switch such as skip_show_database) is present as "".
    flags = {
        str(f["name"]): str(f.get("value", ""))
        for f in settings.get("databaseFlags", [])
        if isinstance(f, Mapping) and f.get("name")
    }
    version = str(raw.get("databaseVersion", "SQL_DATABASE_VERSION_UNSPECIFIED"))
    engine = engine_of(version)
    return {
        "name": raw["name"],
        "database_version": version,
        "engine": engine,
        "state": raw.get("state", "SQL_INSTANCE_STATE_UNSPECIFIED"),
        "instance_type": raw.get("instanceType", "SQL_INSTANCE_TYPE_UNSPECIFIED"),
        **flag_attrs(engine, flags),
    }


def instances(
    project: str, page: Mapping[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The gcp.sql.instance resources of one `instances.list` page."""
    found = []
    for raw in page.get("items", []):
        attrs = instance_attrs(raw)
        found.append(
            Resource(
                provider="gcp",
                account=project,
                region=str(raw.get("region") or "global"),
                type=INSTANCE,
                id=full_name(HOST, f"projects/{project}/instances/{attrs['name']}"),
                name=attrs["name"],
                attrs=attrs,
                evidence=evidence,
            )
        )
    return found


def _instances(api: GcpApi, scope: Scope, node: Node) -> Found:
    from google.cloud import sqladmin_v1

    project = node.account
    client = api.clients.grpc_only(HOST, sqladmin_v1.SqlInstancesServiceClient)
    request = sqladmin_v1.SqlInstancesListRequest(project=project)

    def fetch(retry: Any) -> Any:
        # `.pages`, never the pager itself: the generated ListPager iterates over each
        # page's `warnings`, not its `items` (google-cloud-sql 0.1.2).
        return client.list(request=request, retry=retry, timeout=READ_TIMEOUT).pages

    found: list[Resource] = []
    target = f"projects/{project}"
    for page in api.pages(LIST_INSTANCES, project, fetch, {"project": project}, target=target):
        items(api, LIST_INSTANCES, project, page, "items")
        found.extend(instances(project, page.data, (page.ref,)))
    return Found(resources=found)


SERVICE = Service(
    name="sql",
    listers=(Lister("Cloud SQL instances", "project", (INSTANCE,), (LIST_INSTANCES,), _instances),),
)
