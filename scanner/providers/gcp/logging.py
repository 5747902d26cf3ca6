"""Cloud Logging: sinks and log buckets of every node of the hierarchy (organization,
folders, projects), log-based metrics of every scanned project.

All three are read through the handwritten client's authorized JSON connection (why:
`clients.py`), so the answer is the documented REST JSON
(https://cloud.google.com/logging/docs/reference/v2/rest/v2/sinks,
.../v2/locations.buckets, .../v2/projects.metrics), including the fields the client's own
`Sink` and `Metric` objects drop (`disabled`, `exclusions`, `interceptChildren`).
Log buckets are listed at location `-` (every location) in one paged call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model import CollectionError, Resource
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, GcpCallError, Page, items, json_pages
from scanner.providers.gcp.declare import Found, Lister, Node, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "logging.googleapis.com"
SINKS = Call("logging", "sinks.list", "logging.sinks.list")
BUCKETS = Call("logging", "locations.buckets.list", "logging.buckets.list")
METRICS = Call("logging", "metrics.list", "logging.logMetrics.list")
SINK = "gcp.logging.sink"
BUCKET = "gcp.logging.bucket"
METRIC = "gcp.logging.metric"
_DESTINATIONS = (
    ("storage.googleapis.com/", "storage"),
    ("bigquery.googleapis.com/", "bigquery"),
    ("pubsub.googleapis.com/", "pubsub"),
)


def _list(api: GcpApi, call: Call, node: Node, path: str) -> list[Page]:
    connection = api.clients.logging()._connection

    def fetch(retry: Any) -> Any:
        def request(query: Mapping[str, str]) -> Any:
            return retry(connection.api_request)(
                method="GET", path=path, query_params=dict(query), timeout=READ_TIMEOUT
            )

        return json_pages(request, {})

    return api.pages(call, node.account, fetch, {"parent": path.lstrip("/")}, target=node.name)


def destination_type(destination: str) -> str:
    """storage | bigquery | pubsub | logging_bucket | logging_project | other."""
    for prefix, kind in _DESTINATIONS:
        if destination.startswith(prefix):
            return kind
    if destination.startswith("logging.googleapis.com/"):
        return "logging_bucket" if "/buckets/" in destination else "logging_project"
    return "other"


def _sink(data: Mapping[str, Any], node: Node, scope: Scope, page: Page) -> Resource:
    name = str(data.get("name", ""))
    children = bool(data.get("includeChildren", False))
    destination = str(data.get("destination", ""))
    attrs = {
        "name": name,
        "parent": node.name,
        "parent_type": node.kind,
        "destination": destination,
        "destination_type": destination_type(destination),
        "filter": str(data.get("filter", "")),
        "disabled": bool(data.get("disabled", False)),
        "exclusions": [
            {
                "name": str(e.get("name", "")),
                "filter": str(e.get("filter", "")),
                "disabled": bool(e.get("disabled", False)),
            }
            for e in data.get("exclusions", [])
        ],
        "include_children": children,
        "intercept_children": bool(data.get("interceptChildren", False)),
        "writer_identity": data.get("writerIdentity") or None,
    }
    # A folder's or organization's sink with includeChildren serves the projects below it.
    also = tuple(scope.projects_under(node.name)) if children and node.kind != "project" else ()
    return Resource(
        provider="gcp",
        account=node.account,
        region="global",
        type=SINK,
        id=full_name(HOST, f"{node.name}/sinks/{name}"),
        name=name,
        attrs=attrs,
        evidence=(page.ref,),
        also_accounts=also,
    )


def _sinks(api: GcpApi, scope: Scope, node: Node) -> Found:
    try:
        pages = _list(api, SINKS, node, f"/{node.name}/sinks")
    except GcpCallError as exc:
        if node.kind == "project":
            raise
        return _ancestor_sinks_failed(exc, scope, node)
    return Found(
        resources=[
            _sink(d, node, scope, p)
            for p in pages
            for d in items(api, SINKS, node.account, p, "sinks")
        ]
    )


def _ancestor_sinks_failed(exc: GcpCallError, scope: Scope, node: Node) -> Found:
    """A folder's or organization's sinks.list failed: any of its sinks with includeChildren
    may route the logs of every scanned project below it, so that failure is also an error
    for each of them ("no sink routes this project's logs" cannot be known), never a fail."""
    exc.reported = True
    own = CollectionError(
        "gcp", node.account, "global", exc.operation, exc.code, exc.message, (SINK,)
    )
    below = [
        CollectionError(
            "gcp",
            project,
            "global",
            exc.operation,
            exc.code,
            f"{exc.message} (the sinks of {node.name}, which may route this project's logs,"
            " cannot be read)",
            (SINK,),
        )
        for project in scope.projects_under(node.name)
    ]
    return Found(errors=[own, *below])


def _bucket(data: Mapping[str, Any], node: Node, page: Page) -> Resource:
    name = str(data.get("name", ""))
    parts = name.split("/")
    location = parts[parts.index("locations") + 1] if "locations" in parts[:-1] else "global"
    cmek = data.get("cmekSettings") or {}
    attrs = {
        "name": name,
        "bucket_id": parts[-1],
        "parent": node.name,
        "location": location,
        "retention_days": int(data.get("retentionDays", 30)),
        "locked": bool(data.get("locked", False)),
        "lifecycle_state": str(data.get("lifecycleState", "LIFECYCLE_STATE_UNSPECIFIED")),
        "cmek_key": cmek.get("kmsKeyName") or None,
        "analytics_enabled": bool(data.get("analyticsEnabled", False)),
        "restricted_fields": [str(f) for f in data.get("restrictedFields", [])],
    }
    return Resource(
        provider="gcp",
        account=node.account,
        region=location,
        type=BUCKET,
        id=full_name(HOST, name),
        name=parts[-1],
        attrs=attrs,
        evidence=(page.ref,),
    )


def _buckets(api: GcpApi, scope: Scope, node: Node) -> Found:
    pages = _list(api, BUCKETS, node, f"/{node.name}/locations/-/buckets")
    return Found(
        resources=[
            _bucket(d, node, p)
            for p in pages
            for d in items(api, BUCKETS, node.account, p, "buckets")
        ]
    )


def _metric(data: Mapping[str, Any], node: Node, page: Page) -> Resource:
    name = str(data.get("name", ""))
    descriptor = data.get("metricDescriptor") or {}
    attrs = {
        "name": name,
        "filter": str(data.get("filter", "")),
        "disabled": bool(data.get("disabled", False)),
        "metric_type": f"logging.googleapis.com/user/{name}",
        "bucket_name": data.get("bucketName") or None,
        "value_type": descriptor.get("valueType"),
        "metric_kind": descriptor.get("metricKind"),
    }
    return Resource(
        provider="gcp",
        account=node.account,
        region="global",
        type=METRIC,
        id=full_name(HOST, f"{node.name}/metrics/{name}"),
        name=name,
        attrs=attrs,
        evidence=(page.ref,),
    )


def _metrics(api: GcpApi, scope: Scope, node: Node) -> Found:
    pages = _list(api, METRICS, node, f"/{node.name}/metrics")
    return Found(
        resources=[
            _metric(d, node, p)
            for p in pages
            for d in items(api, METRICS, node.account, p, "metrics")
        ]
    )


SERVICE = Service(
    name="logging",
    listers=(
        Lister("sinks", "node", (SINK,), (SINKS,), _sinks),
        Lister("log buckets", "node", (BUCKET,), (BUCKETS,), _buckets),
        Lister("log-based metrics", "project", (METRIC,), (METRICS,), _metrics),
    ),
)
