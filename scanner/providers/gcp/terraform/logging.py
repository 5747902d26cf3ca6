"""Cloud Logging in a plan: google_logging_{project,folder,organization}_sink,
google_logging_{project,folder,organization}_bucket_config and google_logging_metric, with
the attributes the live adapter reads from sinks.list, locations.buckets.list and
metrics.list.

Where an optional argument is omitted, the provider's (and API's) documented default is
applied explicitly, so a policy sees the value Cloud Logging will have: a sink is enabled
and exports everything its filter matches (an absent filter is ""), does not include or
intercept children; a log bucket keeps 30 days and is not locked (LogBucket.retentionDays:
"If this value is set to zero at bucket creation time, the default time of 30 days will be
used").
Provider docs (the registry's resources pages, under
https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/):
logging_project_sink, logging_folder_sink, logging_organization_sink,
logging_project_bucket_config."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scanner.model import Unknowable
from scanner.plan.context import Mapped, PlanContext, PlanResource, block, settled
from scanner.providers.gcp.terraform import hierarchy, refs
from scanner.providers.gcp.terraform.common import (
    build,
    default_bool,
    folder_name,
    full_name,
    known,
    org_name,
    parent_account,
    project_of,
)

SINK = "gcp.logging.sink"
BUCKET = "gcp.logging.bucket"
METRIC = "gcp.logging.metric"
SINK_TYPES = (
    "google_logging_project_sink",
    "google_logging_folder_sink",
    "google_logging_organization_sink",
    "google_logging_billing_account_sink",
)
_PARENT_TYPE = {
    "project": "project",
    "folder": "folder",
    "organization": "organization",
    "billing": "billing_account",
}
BUCKET_TYPES = refs.BUCKET_TYPES


def _level(tf_type: str) -> str:
    return tf_type.split("_")[2]


def parent_of(res: PlanResource, ctx: PlanContext) -> str | Unknowable | None:
    """The relative name of the project, folder or organization a sink or log bucket
    belongs to."""
    level = _level(res.type)
    if level == "project":
        project = project_of(ctx, res)
        return f"projects/{project}" if isinstance(project, str) else project
    if level == "folder":
        return folder_name(res.values.get("folder"))
    if level == "billing":
        account = res.values.get("billing_account")
        if isinstance(account, Unknowable):
            return account
        text = known(account)
        return f"billingAccounts/{text.removeprefix('billingAccounts/')}" if text else None
    return org_name(res.values.get("org_id", res.values.get("organization")))


def _unknown_parent(res: PlanResource, parent: Any) -> Unknowable:
    if isinstance(parent, Unknowable):
        return parent
    return Unknowable(f"{res.address} names no project, folder or organization")


def sink_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//logging.googleapis.com/<parent>/sinks/<name>`, else the address."""
    parent, name = parent_of(res, ctx), known(res.values.get("name"))
    if isinstance(parent, str) and name:
        return full_name("logging.googleapis.com", f"{parent}/sinks/{name}")
    return res.address


def destination_type(destination: Any) -> Any:
    """The kind of destination a sink writes to, from the destination string."""
    if not isinstance(destination, str):
        return destination
    host, _, rest = destination.partition("/")
    if host == "storage.googleapis.com":
        return "storage"
    if host == "bigquery.googleapis.com":
        return "bigquery"
    if host == "pubsub.googleapis.com":
        return "pubsub"
    if host == "logging.googleapis.com":
        return "logging_bucket" if "/buckets/" in rest else "logging_project"
    return "other"


def _exclusions(raw: Any) -> Any:
    if isinstance(raw, Unknowable):
        return raw
    return settled(
        [
            {
                "name": e.get("name"),
                "filter": e.get("filter") or "",
                # Provider docs: an exclusion's `disabled` defaults to false.
                "disabled": default_bool(e.get("disabled"), False),
            }
            for e in raw or []
        ]
    )


def sink(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One sink, its destination as a link, and the scanned projects it also covers."""
    v = res.values
    level = _level(res.type)
    parent = parent_of(res, ctx)
    name = known(v.get("name")) or res.name
    destination, target = refs.destination(res, ctx)
    include = default_bool(v.get("include_children"), False) if level != "project" else False
    intercept = default_bool(v.get("intercept_children"), False) if level != "project" else False
    writer = v.get("writer_identity")
    attrs: dict[str, Any] = {
        "name": name,
        "parent": parent if parent is not None else _unknown_parent(res, parent),
        "parent_type": _PARENT_TYPE[level],
        "destination": destination,
        "destination_type": destination_type(destination),
        # The API's filter is "" when the sink exports every entry.
        "filter": v.get("filter") or "",
        "disabled": default_bool(v.get("disabled"), False),
        "exclusions": _exclusions(v.get("exclusions")),
        "include_children": include,
        "intercept_children": intercept,
        "writer_identity": writer if isinstance(writer, Unknowable) else known(writer),
    }
    built = build(ctx, res, SINK, attrs, (name, parent_account(parent, ctx), "global"))
    # The plan's projects below the folder or organization: their account-scope policies
    # count this sink as theirs, as the live scan's tree does. Also when include_children is
    # known only after apply: the policies that count a sink for a project require
    # include_children true of a folder's or an organization's sink, so such a sink makes the
    # projects below unknown, never pass (nor fail).
    covers = include is True or isinstance(include, Unknowable)
    if level != "project" and covers and isinstance(parent, str):
        built = replace(built, also_accounts=tuple(hierarchy.under(ctx, parent)))
    return Mapped(built, {"destination": target})


def bucket_name(res: PlanResource, ctx: PlanContext) -> str | None:
    """`<parent>/locations/<location>/buckets/<bucket_id>` when the plan knows them."""
    parent = parent_of(res, ctx)
    location, bucket = known(res.values.get("location")), known(res.values.get("bucket_id"))
    if isinstance(parent, str) and location and bucket:
        return f"{parent}/locations/{location}/buckets/{bucket}"
    return None


def bucket_id(res: PlanResource, ctx: PlanContext) -> str:
    """The log bucket's full resource name, else the address."""
    name = bucket_name(res, ctx)
    return full_name("logging.googleapis.com", name) if name else res.address


def log_bucket(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One log bucket with its retention, lock and CMEK key (linked to the key)."""
    v = res.values
    parent = parent_of(res, ctx)
    cmek = block(v.get("cmek_settings"))
    path: tuple[str | int, ...] = ("cmek_settings", 0, "kms_key_name")
    if isinstance(cmek, Unknowable):
        key_value: Any = cmek
    else:
        key_value = cmek.get("kms_key_name") if isinstance(cmek, dict) else None
    target = refs.key(res, ctx, path, key_value)
    name = bucket_name(res, ctx) or res.address
    retention = v.get("retention_days")
    attrs: dict[str, Any] = {
        "name": name,
        "bucket_id": v.get("bucket_id"),
        "parent": parent if parent is not None else _unknown_parent(res, parent),
        "location": v.get("location"),
        # Provider docs: retention_days defaults to 30; 0 at creation means 30 as well.
        "retention_days": retention or 30 if not isinstance(retention, Unknowable) else retention,
        # Provider docs: locked defaults to false.
        "locked": default_bool(v.get("locked"), False),
        "lifecycle_state": v.get("lifecycle_state"),
        "cmek_key": refs.relative(key_value, target),
        # Provider docs: enable_analytics defaults to false.
        "analytics_enabled": default_bool(v.get("enable_analytics"), False),
        # The provider does not manage restricted fields (no argument for them).
        "restricted_fields": [],
    }
    location = v.get("location")
    return Mapped(
        build(
            ctx,
            res,
            BUCKET,
            attrs,
            (
                str(v.get("bucket_id") or res.name),
                parent_account(parent, ctx),
                location if isinstance(location, str) else "global",
            ),
        ),
        {"kms_key": target},
    )


def metric_id(res: PlanResource, ctx: PlanContext) -> str:
    """`//logging.googleapis.com/projects/<p>/metrics/<name>`, else the address."""
    project, name = project_of(ctx, res), known(res.values.get("name"))
    if isinstance(project, str) and name:
        return full_name("logging.googleapis.com", f"projects/{project}/metrics/{name}")
    return res.address


def metric(res: PlanResource, ctx: PlanContext) -> Mapped:
    """One log-based metric."""
    v = res.values
    name = known(v.get("name")) or res.name
    descriptor = block(v.get("metric_descriptor"))
    if isinstance(descriptor, Unknowable):
        kind: Any = descriptor
        value_type: Any = descriptor
    else:
        descriptor = descriptor if isinstance(descriptor, dict) else {}
        kind, value_type = descriptor.get("metric_kind"), descriptor.get("value_type")
    project = project_of(ctx, res)
    attrs: dict[str, Any] = {
        "name": name,
        "filter": v.get("filter") or "",
        # Provider docs: disabled defaults to false.
        "disabled": default_bool(v.get("disabled"), False),
        "metric_type": f"logging.googleapis.com/user/{name}",
        "bucket_name": v.get("bucket_name") or None,
        "value_type": value_type,
        "metric_kind": kind,
    }
    account = project if isinstance(project, str) else ctx.account
    return Mapped(build(ctx, res, METRIC, attrs, (name, account, "global")))
