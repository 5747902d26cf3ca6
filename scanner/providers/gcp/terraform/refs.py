"""How a google_* resource names another: the full resource name (the live scan's id) a
literal stands for, and the link targets of sinks, keys and channels, by configuration
reference first and by literal second."""

from __future__ import annotations

import re
from typing import Any

from scanner.link import Ref
from scanner.model import Resource, Unknowable
from scanner.plan.context import PlanContext, PlanResource, Target
from scanner.providers.gcp.terraform.common import full_name

STORAGE = "gcp.storage.bucket"
LOG_BUCKET = "gcp.logging.bucket"
DATASET = "gcp.bigquery.dataset"
KEY = "gcp.kms.key"
CHANNEL = "gcp.monitoring.channel"
NETWORK = "gcp.compute.network"

BUCKET_TYPES = tuple(
    f"google_logging_{level}_bucket_config"
    for level in ("project", "folder", "organization", "billing_account")
)
DESTINATION_TYPES = ("google_storage_bucket", *BUCKET_TYPES, "google_bigquery_dataset")
_COMPUTE = re.compile(r"^(?:https://(?:www|compute)\.googleapis\.com/compute/(?:v1|beta)/)?")
_NETWORK = re.compile(r"projects/([^/]+)/global/networks/([^/]+)$")


def network_url(value: Any, project: str | Unknowable) -> Any:
    """A network as the Compute API writes it (`https://www.googleapis.com/compute/v1/
    projects/<p>/global/networks/<n>`) from a self link, an id or a bare name."""
    if not isinstance(value, str) or not value:
        return value
    relative = _COMPUTE.sub("", value)
    if "/" not in relative:
        if not isinstance(project, str):
            return Unknowable(f"the project of network {value!r} is not known from the plan")
        relative = f"projects/{project}/global/networks/{relative}"
    return f"https://www.googleapis.com/compute/v1/{relative}"


def literal_id(text: str) -> tuple[str, str | None]:
    """The live id a literal names, and the type it names when the literal says."""
    if text.startswith("//"):
        return text, None
    host, _, rest = text.partition("/")
    if host == "storage.googleapis.com" and rest:
        return full_name(host, rest), STORAGE
    if host == "logging.googleapis.com" and "/buckets/" in rest:
        return full_name(host, rest), LOG_BUCKET
    if host == "bigquery.googleapis.com" and "/datasets/" in rest:
        return full_name(host, rest), DATASET
    if "/cryptoKeys/" in text:
        return full_name("cloudkms.googleapis.com", text.split("/cryptoKeyVersions/")[0]), KEY
    if "/notificationChannels/" in text:
        return full_name("monitoring.googleapis.com", text), CHANNEL
    network = _NETWORK.search(_COMPUTE.sub("", text))
    if network is not None:
        return full_name("compute.googleapis.com", network.group(0)), NETWORK
    return text, None


def literal(rtype: str, text: str, source: Resource, ctx: PlanContext) -> Ref:
    """A literal a plan resource uses to name a link target outside the plan (a sink's
    destination, a key, a channel, a network) as the reference the live scan would make."""
    rid, named = literal_id(text)
    parts = rid.split("/")
    project = parts[parts.index("projects") + 1] if "projects" in parts[:-1] else None
    return Ref(
        rid,
        type=named or rtype,
        name=parts[-1],
        account=project or source.account,
        region=source.region,
        shown=text,
    )


def destination_value(target: Target, ctx: PlanContext) -> str | None:
    """A sink destination as the Logging API writes it, from the plan resource it names."""
    res = target.resource
    if res is None:
        return None
    rid = ctx.ids.get(res.address, "")
    if not rid.startswith("//"):
        return None
    host, _, relative = rid[2:].partition("/")
    return f"{host}/{relative}"


def destination(res: PlanResource, ctx: PlanContext) -> tuple[Any, Target]:
    """A sink's destination (as the API writes it) and what it points at: a plan resource
    it references or names, a literal outside the plan, or a value known after apply."""
    value = res.values.get("destination")
    found = ctx.resolve(res, ("destination",), DESTINATION_TYPES)
    if found is None and isinstance(value, str) and value:
        rid, _ = literal_id(value)
        by_id = ctx.index("gcp-destinations", DESTINATION_TYPES, lambda r: ctx.ids.get(r.address))
        found = by_id.get(rid)
    if found is not None:
        target = Target(resource=found)
        if isinstance(value, Unknowable):
            value = destination_value(target, ctx) or value
        return value, target
    if isinstance(value, str) and value:
        if literal_id(value)[1] in (STORAGE, LOG_BUCKET, DATASET):
            return value, Target(literal=value)
        # A Pub/Sub topic, a project, or another kind logward does not collect: where the
        # entries end up cannot be judged (as the live scan says of the same destination).
        return value, Target(unknown=Unknowable(_uncollected(value)))
    if isinstance(value, Unknowable):
        return value, Target(unknown=value)
    return None, Target()


def _uncollected(text: str) -> str:
    host = text.partition("/")[0]
    if host == "pubsub.googleapis.com":
        return (
            f"destination {text} is a Pub/Sub topic: logward does not read topics or their "
            "subscribers, so where these entries are kept cannot be judged"
        )
    if host == "logging.googleapis.com":
        return (
            f"destination {text} routes the entries to another project, whose own sinks and "
            "log buckets decide where they are kept"
        )
    return f"destination {text} is of a kind logward does not collect, so it cannot be judged"


def relative(value: Any, target: Target) -> Any:
    """A relative resource name argument (a KMS key's `projects/.../cryptoKeys/k`): when known
    only after apply but referencing a plan resource whose `id` the plan knows, that id."""
    if isinstance(value, Unknowable) and target.resource is not None:
        own = target.resource.values.get("id")
        if isinstance(own, str) and own:
            return own
    return value if value != "" else None


def key(res: PlanResource, ctx: PlanContext, path: tuple[str | int, ...], value: Any) -> Target:
    """What a `kms_key_name` argument points at (a google_kms_crypto_key of the plan, or a
    literal key name)."""
    return ctx.target(res, path, ("google_kms_crypto_key",), value)
