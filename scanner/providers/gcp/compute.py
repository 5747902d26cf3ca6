"""Compute Engine: subnetworks (VPC flow logs, CIS 3.8), VPC networks (CIS 2.12 asks for DNS
logging on every one) and backend services (load balancer logging, CIS 2.16) of each project.

google-cloud-compute is REST-only (its transport registry holds only `rest`). Subnetworks and
backend services are read with one `aggregatedList` per project rather than one list per
region: the call count grows with projects, not with projects x regions, and a region nobody
thought to scan cannot hide a subnet. An aggregated page that names `unreachables` (scopes
the API could not read), or a scope answered with `warning.code: UNREACHABLE` ("A given scope
cannot be reached", the Compute v1 `Warning` enum) instead of items, is an incomplete answer:
`unreachable()` returns those scopes so the collector makes the project's types an error
instead of a short list.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from scanner.model import CollectionError, EvidenceRef, Resource
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, Page
from scanner.providers.gcp.declare import Found, Lister, Node, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "compute.googleapis.com"
SUBNETWORK = "gcp.compute.subnetwork"
NETWORK = "gcp.compute.network"
BACKEND_SERVICE = "gcp.compute.backend_service"

LIST_SUBNETWORKS = Call("compute", "subnetworks.aggregatedList", "compute.subnetworks.list")
LIST_NETWORKS = Call("compute", "networks.list", "compute.networks.list")
LIST_BACKEND_SERVICES = Call(
    "compute", "backendServices.aggregatedList", "compute.backendServices.list"
)
# The aggregated list returns regional backend services too, which need this permission: a
# second declaration of the same operation, so the generated role holds both.
LIST_REGION_BACKEND_SERVICES = Call(
    "compute", "backendServices.aggregatedList", "compute.regionBackendServices.list"
)


# The per-scope warning of an aggregated list saying the scope was not read. Other codes
# (NO_RESULTS_ON_PAGE: a scope with nothing in it) are not gaps.
SCOPE_UNREACHABLE = "UNREACHABLE"


def unreachable(page: dict[str, Any]) -> list[str]:
    """The scopes an aggregated page says it could not read: the top-level `unreachables`,
    and every scope whose own `warning.code` is UNREACHABLE."""
    missing = [str(s) for s in page.get("unreachables", [])]
    items = page.get("items")
    if isinstance(items, dict):
        for scope, scoped in items.items():
            warning = (scoped or {}).get("warning") or {}
            if warning.get("code") == SCOPE_UNREACHABLE and scope not in missing:
                missing.append(str(scope))
    return missing


def relative(url: str) -> str:
    """A Compute self link as a relative name: `https://.../compute/v1/projects/p/...` ->
    `projects/p/...` (hosts differ between APIs and versions; the path does not)."""
    marker = url.find("/projects/")
    return url[marker + 1 :] if marker >= 0 else url


def last(url: str | None) -> str | None:
    """The last segment of a URL (`.../regions/us-central1` -> `us-central1`)."""
    return url.rstrip("/").rsplit("/", 1)[-1] if url else None


def _filter(expr: Any) -> str | None:
    """A flow-log filter, None when it filters nothing: absent, empty, or the CEL literal
    `true` (the provider's documented default, which "evaluates to include everything")."""
    if not isinstance(expr, str) or expr.strip() in ("", "true"):
        return None
    return expr


def _purpose(value: Any) -> Any:
    return "PRIVATE" if not value or value == "PRIVATE_RFC_1918" else value


def subnetwork_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one Subnetwork (REST JSON). Flow-log parameters are as the
    API returns them (None when it returns none), never filled with defaults: a policy on
    the CIS 3.8 parameters must see what is set."""
    log = raw.get("logConfig") or {}
    enabled = log.get("enable") if "enable" in log else raw.get("enableFlowLogs", False)
    sampling = log.get("flowSampling")
    return {
        "name": raw["name"],
        "network": raw.get("network", ""),
        "region": last(raw.get("region")) or "",
        # An absent purpose is PRIVATE (the REST reference: "If unspecified, the subnetwork
        # purpose defaults to PRIVATE"); the legacy PRIVATE_RFC_1918 is documented as the same
        # "Regular user created or automatically created subnet" (Subnetwork.Purpose enum), so
        # it is PRIVATE too, as the Terraform mapping reads it.
        "purpose": _purpose(raw.get("purpose")),
        "flow_logs_enabled": bool(enabled),
        "aggregation_interval": log.get("aggregationInterval"),
        "flow_sampling": float(sampling) if sampling is not None else None,
        "metadata": log.get("metadata"),
        "filter_expr": _filter(log.get("filterExpr")),
    }


def network_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one Network (REST JSON); legacy networks have no
    autoCreateSubnetworks and are not auto mode."""
    return {
        "name": raw["name"],
        "self_link": raw.get("selfLink", ""),
        "auto_create_subnetworks": bool(raw.get("autoCreateSubnetworks", False)),
    }


def backend_service_attrs(raw: dict[str, Any], scope: str) -> dict[str, Any]:
    """The contract attributes of one BackendService (REST JSON) found under aggregated
    scope `global` or `regions/<r>`."""
    log = raw.get("logConfig") or {}
    enabled = bool(log.get("enable", False))
    rate = log.get("sampleRate")
    if rate is None and enabled:
        # BackendServiceLogConfig.sampleRate: "The default value is 1.0" when logging is
        # enabled (https://cloud.google.com/compute/docs/reference/rest/v1/backendServices);
        # proto3 JSON may omit it, and the Terraform mapping applies the same default.
        rate = 1.0
    return {
        "name": raw["name"],
        "region": last(raw.get("region")) or scope.removeprefix("regions/"),
        "load_balancing_scheme": raw.get("loadBalancingScheme"),
        "protocol": raw.get("protocol"),
        "logging_enabled": enabled,
        "sample_rate": float(rate) if rate is not None else None,
    }


def _resource(
    rtype: str,
    project: str,
    raw: dict[str, Any],
    attrs: dict[str, Any],
    evidence: tuple[EvidenceRef, ...],
) -> Resource:
    return Resource(
        provider="gcp",
        account=project,
        # Networks are global; subnetworks and backend services carry their region.
        region=attrs.get("region") or "global",
        type=rtype,
        id=full_name(HOST, relative(raw["selfLink"])),
        name=attrs["name"],
        attrs=attrs,
        evidence=evidence,
    )


def subnetworks(
    project: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The gcp.compute.subnetwork resources of one aggregated page."""
    found = []
    for scoped in (page.get("items") or {}).values():
        for raw in scoped.get("subnetworks", []):
            attrs = subnetwork_attrs(raw)
            found.append(_resource(SUBNETWORK, project, raw, attrs, evidence))
    return found


def networks(
    project: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The gcp.compute.network resources of one page."""
    return [
        _resource(NETWORK, project, raw, network_attrs(raw), evidence)
        for raw in page.get("items", [])
    ]


def backend_services(
    project: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The gcp.compute.backend_service resources of one aggregated page."""
    found = []
    for scope, scoped in (page.get("items") or {}).items():
        for raw in scoped.get("backendServices", []):
            attrs = backend_service_attrs(raw, scope)
            found.append(_resource(BACKEND_SERVICE, project, raw, attrs, evidence))
    return found


Build = Callable[[str, dict[str, Any], tuple[EvidenceRef, ...]], list[Resource]]


def _list(api: GcpApi, node: Node, call: Call, kind: str, build: Build) -> Found:
    """Every page of one Compute list of a project, each checked for unreachable scopes."""
    from google.cloud import compute_v1

    project = node.account
    cls, aggregated = {
        SUBNETWORK: (compute_v1.SubnetworksClient, True),
        NETWORK: (compute_v1.NetworksClient, False),
        BACKEND_SERVICE: (compute_v1.BackendServicesClient, True),
    }[kind]
    client = api.clients.gapic(HOST, cls)
    method = client.aggregated_list if aggregated else client.list

    def fetch(retry: Any) -> Any:
        return method(project=project, retry=retry, timeout=READ_TIMEOUT).pages

    found = Found()
    pages: list[Page] = api.pages(call, project, fetch, {"project": project}, target=node.name)
    for page in pages:
        data = dict(page.data)
        found.resources.extend(
            api.shaped(call, project, partial(build, project, data, (page.ref,)))
        )
        missing = unreachable(data)
        if missing:
            # A partial answer: what it holds is kept, and the type is an error for the project.
            found.errors.append(
                CollectionError(
                    "gcp",
                    project,
                    "global",
                    call.operation,
                    "UNREACHABLE",
                    f"the answer names scopes it could not read: {', '.join(missing)}",
                    (kind,),
                )
            )
    return found


def _subnetworks(api: GcpApi, scope: Scope, node: Node) -> Found:
    return _list(api, node, LIST_SUBNETWORKS, SUBNETWORK, subnetworks)


def _networks(api: GcpApi, scope: Scope, node: Node) -> Found:
    return _list(api, node, LIST_NETWORKS, NETWORK, networks)


def _backend_services(api: GcpApi, scope: Scope, node: Node) -> Found:
    return _list(api, node, LIST_BACKEND_SERVICES, BACKEND_SERVICE, backend_services)


SERVICE = Service(
    name="compute",
    listers=(
        Lister("subnetworks", "project", (SUBNETWORK,), (LIST_SUBNETWORKS,), _subnetworks),
        Lister("networks", "project", (NETWORK,), (LIST_NETWORKS,), _networks),
        Lister(
            "backend services",
            "project",
            (BACKEND_SERVICE,),
            (LIST_BACKEND_SERVICES, LIST_REGION_BACKEND_SERVICES),
            _backend_services,
        ),
    ),
)
