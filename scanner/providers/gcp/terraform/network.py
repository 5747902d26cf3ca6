"""Network logging in a plan: google_compute_subnetwork (VPC flow logs), google_compute_network,
google_dns_policy (Cloud DNS logging) and google_compute_{region_,}backend_service (load
balancer logging), with the attributes the live adapter reads from the Compute and DNS APIs.

A subnetwork logs flows when it has a `log_config` block (the provider sets
logConfig.enable from its presence); the block's omitted arguments take the provider's
defaults: aggregation_interval INTERVAL_5_SEC, flow_sampling 0.5, metadata
INCLUDE_ALL_METADATA, filter_expr "true" (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/
compute_subnetwork#nested_log_config)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scanner.model import Link, Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, Target, block, settled
from scanner.providers.gcp.terraform import refs
from scanner.providers.gcp.terraform.common import build, default_bool, full_name, known, project_of

SUBNET = "gcp.compute.subnetwork"
NETWORK = "gcp.compute.network"
DNS = "gcp.dns.policy"
BACKEND = "gcp.compute.backend_service"
NETWORK_TYPES = ("google_compute_network",)
NO_DNS_POLICY = (
    "no DNS policy in this plan names the network; one outside the plan may (judged as none "
    "only with --assume-complete)"
)


def _region(res: PlanResource, ctx: PlanContext) -> str | Unknowable:
    own = res.values.get("region")
    if isinstance(own, Unknowable):
        return own
    if isinstance(own, str) and own:
        return own
    found = ctx.provider_argument(res, "region", "google")
    return found if isinstance(found, str | Unknowable) else str(found)


def _account(project: str | Unknowable, ctx: PlanContext) -> str:
    return project if isinstance(project, str) else ctx.account


def subnet_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//compute.googleapis.com/projects/<p>/regions/<r>/subnetworks/<n>`, else the address."""
    project, region, name = project_of(ctx, res), _region(res, ctx), known(res.values.get("name"))
    if isinstance(project, str) and isinstance(region, str) and name:
        relative = f"projects/{project}/regions/{region}/subnetworks/{name}"
        return full_name("compute.googleapis.com", relative)
    return res.address


def _network(res: PlanResource, ctx: PlanContext, project: str | Unknowable) -> Any:
    value = res.values.get("network")
    if isinstance(value, Unknowable):
        target = ctx.resolve(res, ("network",), NETWORK_TYPES)
        if target is not None:
            value = (
                target.values.get("self_link")
                if known(target.values.get("self_link"))
                else (known(target.values.get("name")) or value)
            )
    return refs.network_url(value, project)


FLOW_ATTRS = (
    "flow_logs_enabled",
    "aggregation_interval",
    "flow_sampling",
    "metadata",
    "filter_expr",
)
# Provider docs (log_config): the defaults of an omitted argument.
FLOW_DEFAULTS = {
    "aggregation_interval": "INTERVAL_5_SEC",
    "flow_sampling": 0.5,
    "metadata": "INCLUDE_ALL_METADATA",
    "filter_expr": "true",
}


def _flow(log: Any) -> dict[str, Any]:
    """The flow log attributes of a subnetwork's `log_config` block (None: no flow logs)."""
    if isinstance(log, Unknowable):
        return dict.fromkeys(FLOW_ATTRS, log)
    if not isinstance(log, dict):
        return {"flow_logs_enabled": False, **dict.fromkeys(FLOW_ATTRS[1:])}
    flow: dict[str, Any] = {"flow_logs_enabled": True}
    for attr, fallback in FLOW_DEFAULTS.items():
        value = log.get(attr)
        flow[attr] = fallback if value is None or (value == "" and attr != "filter_expr") else value
    if isinstance(flow["flow_sampling"], int):
        flow["flow_sampling"] = float(flow["flow_sampling"])
    if flow["filter_expr"] == "true":
        # Provider docs: "The default value is 'true', which evaluates to include
        # everything": no filter narrows what is logged.
        flow["filter_expr"] = None
    return flow


def _purpose(value: Any) -> Any:
    if value is None or value in ("", "PRIVATE_RFC_1918"):
        return "PRIVATE"
    return value


def subnetwork(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One subnetwork with its flow log settings."""
    v = res.values
    project = project_of(ctx, res)
    region = _region(res, ctx)
    flow = _flow(block(v.get("log_config")))
    name = known(v.get("name")) or res.name
    attrs: dict[str, Any] = {
        "name": name,
        "network": _network(res, ctx, project),
        "region": region,
        # The API omits purpose for ordinary (PRIVATE) subnetworks; the provider's docs still
        # name them by the older PRIVATE_RFC_1918, which the API reports as PRIVATE.
        "purpose": _purpose(v.get("purpose")),
        **flow,
    }
    return Mapped(build(ctx, res, SUBNET, attrs, (name, _account(project, ctx), region)))


def _network_relative(res: PlanResource, ctx: PlanContext) -> str | None:
    project, name = project_of(ctx, res), known(res.values.get("name"))
    return (
        f"projects/{project}/global/networks/{name}" if isinstance(project, str) and name else None
    )


def network_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//compute.googleapis.com/projects/<p>/global/networks/<n>`, else the address."""
    relative = _network_relative(res, ctx)
    return full_name("compute.googleapis.com", relative) if relative else res.address


def network(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One VPC network."""
    v = res.values
    project = project_of(ctx, res)
    relative = _network_relative(res, ctx)
    own = v.get("self_link")
    self_link: Any = (
        own
        if known(own)
        else f"https://www.googleapis.com/compute/v1/{relative}"
        if relative
        else own
    )
    name = known(v.get("name")) or res.name
    attrs = {
        "name": name,
        "self_link": self_link,
        # Provider docs: auto_create_subnetworks defaults to true.
        "auto_create_subnetworks": default_bool(v.get("auto_create_subnetworks"), True),
    }
    built = build(ctx, res, NETWORK, attrs, (name, _account(project, ctx), "global"))
    if not ctx.complete:
        # A DNS policy of another state (or made with gcloud) may serve this network: unless
        # the plan is the whole estate, no policy of the plan naming it is not "none". The
        # linker replaces this link with the plan's policies where some name the network.
        built = replace(built, links={"dns_policies": Link((), Unknowable(NO_DNS_POLICY))})
    return Mapped(built)


def dns_policy_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//dns.googleapis.com/projects/<p>/policies/<n>`, else the address."""
    project, name = project_of(ctx, res), known(res.values.get("name"))
    if isinstance(project, str) and name:
        return full_name("dns.googleapis.com", f"projects/{project}/policies/{name}")
    return res.address


def dns_policy(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One Cloud DNS policy and the networks it applies to (linked)."""
    v = res.values
    project = project_of(ctx, res)
    urls: list[Any] = []
    targets: list[Target] = []
    blocks = v.get("networks")
    if isinstance(blocks, Unknowable):
        urls_value: Any = blocks
        targets.append(Target(unknown=blocks))
    else:
        for i, item in enumerate(blocks or []):
            raw = item.get("network_url") if isinstance(item, dict) else item
            target = ctx.target(res, ("networks", i, "network_url"), NETWORK_TYPES, raw)
            if isinstance(raw, Unknowable) and target.resource is not None:
                raw = ctx.ids.get(target.resource.address, raw)
                raw = raw.replace("//compute.googleapis.com/", "") if isinstance(raw, str) else raw
            url = refs.network_url(raw, project)
            urls.append(url)
            if target.resource is None and isinstance(url, str):
                target = Target(literal=url)
            targets.append(target)
        urls_value = settled(urls)
    name = known(v.get("name")) or res.name
    attrs = {
        "name": name,
        # Provider docs: enable_logging defaults to false.
        "enable_logging": default_bool(v.get("enable_logging"), False),
        "networks": urls_value,
    }
    return Mapped(
        build(ctx, res, DNS, attrs, (name, _account(project, ctx), "global")), {"networks": targets}
    )


def backend_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//compute.googleapis.com/projects/<p>/(global|regions/<r>)/backendServices/<n>`."""
    project, name = project_of(ctx, res), known(res.values.get("name"))
    where: Any = "global"
    if res.type == "google_compute_region_backend_service":
        region = _region(res, ctx)
        where = f"regions/{region}" if isinstance(region, str) else None
    if isinstance(project, str) and name and where:
        relative = f"projects/{project}/{where}/backendServices/{name}"
        return full_name("compute.googleapis.com", relative)
    return res.address


def backend_service(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One backend service with its request logging."""
    v = res.values
    project = project_of(ctx, res)
    region: Any = "global" if res.type == "google_compute_backend_service" else _region(res, ctx)
    log = block(v.get("log_config"))
    if isinstance(log, Unknowable):
        enabled: Any = log
        rate: Any = log
    elif isinstance(log, dict):
        # Provider docs: log_config.enable defaults to false; sample_rate to 1.0 when enabled.
        enabled = default_bool(log.get("enable"), False)
        raw = log.get("sample_rate")
        rate = (
            (float(raw) if isinstance(raw, int | float) else raw)
            if raw is not None
            else (1.0 if enabled is True else None)
        )
    else:
        enabled, rate = False, None
    name = known(v.get("name")) or res.name
    attrs = {
        "name": name,
        "region": region,
        # Provider docs: load_balancing_scheme defaults to EXTERNAL, protocol to HTTP.
        "load_balancing_scheme": v.get("load_balancing_scheme") or "EXTERNAL",
        "protocol": v.get("protocol") or "HTTP",
        "logging_enabled": enabled,
        "sample_rate": rate,
    }
    return Mapped(build(ctx, res, BACKEND, attrs, (name, _account(project, ctx), region)))
