"""GCP links, declared once for live scans and plans (the core linker resolves them), the
references a live scan's attributes make, and why a named target was not collected.

- sink `destination` -> storage bucket | log bucket | BigQuery dataset (reverse `sinks`); a
  Pub/Sub topic or a project as destination is not collected, so that link is unresolved
  (unknown, with the reason), never silently empty;
- log bucket / storage bucket / dataset `kms_key` -> KMS key (reverse `protects`);
- alert policy `metrics` -> log-based metric (reverse `alert_policies`: the alert policies of
  the metric's project whose conditions ask for its metric type by equality);
- alert policy `notification_channels` -> channel; DNS policy `networks` -> network (reverse
  `dns_policies`).

The resource schemas' `x-links` say the same (a test compares them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from scanner.inventory import Inventory
from scanner.link import Join, LinkSpec, Ref
from scanner.model import Absent, Resource, Unknowable

if TYPE_CHECKING:
    from scanner.providers.gcp.declare import Scope

ORG = "gcp.organization"
FOLDER = "gcp.folder"
PROJECT = "gcp.project"
SINK = "gcp.logging.sink"
LOG_BUCKET = "gcp.logging.bucket"
METRIC = "gcp.logging.metric"
BUCKET = "gcp.storage.bucket"
DATASET = "gcp.bigquery.dataset"
KEY = "gcp.kms.key"
ALERT = "gcp.monitoring.alert_policy"
CHANNEL = "gcp.monitoring.channel"
SUBNET = "gcp.compute.subnetwork"
NETWORK = "gcp.compute.network"
DNS_POLICY = "gcp.dns.policy"
BACKEND = "gcp.compute.backend_service"
ROLE = "gcp.iam.role"

# Cloud Storage bucket names are global (one namespace for every project), and a sink may
# write to a bucket of any project, typically a log-archive project outside the scan: a bucket
# that was not collected may exist elsewhere, so it is unknown, never absent.
BUCKET_MISSING = (
    "{what} was not collected: Cloud Storage bucket names are global, so it may belong to a "
    "project outside the scan (or have been deleted), and its settings cannot be read here"
)

LINKS: tuple[LinkSpec, ...] = (
    LinkSpec(
        SINK,
        "destination",
        (BUCKET, LOG_BUCKET, DATASET),
        reverse="sinks",
        noun="destination",
        missing=BUCKET_MISSING,
    ),
    LinkSpec(LOG_BUCKET, "kms_key", (KEY,), reverse="protects", noun="KMS key"),
    # A storage bucket or dataset protects its key for the key policies only when a sink
    # writes to it: a plan holds application buckets too.
    LinkSpec(BUCKET, "kms_key", (KEY,), reverse="protects", noun="KMS key", reverse_if="sinks"),
    LinkSpec(DATASET, "kms_key", (KEY,), reverse="protects", noun="KMS key", reverse_if="sinks"),
    # Only collected metrics are linked (noun None): a condition on another metric type
    # (a built-in metric) is not a log-based metric's alert.
    LinkSpec(ALERT, "metrics", (METRIC,), reverse="alert_policies"),
    LinkSpec(ALERT, "notification_channels", (CHANNEL,), noun="notification channel"),
    LinkSpec(DNS_POLICY, "networks", (NETWORK,), reverse="dns_policies", noun="network"),
)

JOINS: tuple[Join, ...] = ()

_PARENT = r"(?P<parent>(?:projects|folders|organizations|billingAccounts)/[^/]+)"
_LOG_BUCKET = re.compile(
    rf"^logging\.googleapis\.com/{_PARENT}/locations/(?P<loc>[^/]+)/buckets/(?P<b>[^/]+)$"
)
_LOG_PROJECT = re.compile(r"^logging\.googleapis\.com/projects/(?P<p>[^/]+)$")
_DATASET = re.compile(r"^bigquery\.googleapis\.com/projects/(?P<p>[^/]+)/datasets/(?P<d>[^/]+)$")
_STORAGE = re.compile(r"^storage\.googleapis\.com/(?P<b>[^/]+)$")
_PUBSUB = re.compile(r"^pubsub\.googleapis\.com/projects/(?P<p>[^/]+)/topics/(?P<t>[^/]+)$")
_KEY = re.compile(
    r"^(?://cloudkms\.googleapis\.com/)?projects/(?P<p>[^/]+)/locations/(?P<loc>[^/]+)/"
    r"keyRings/(?P<r>[^/]+)/cryptoKeys/(?P<k>[^/]+)(?:/cryptoKeyVersions/[^/]+)?$"
)
_NETWORK = re.compile(r"projects/(?P<p>[^/]+)/global/networks/(?P<n>[^/]+)$")
_CHANNEL = re.compile(r"^projects/(?P<p>[^/]+)/notificationChannels/(?P<c>[^/]+)$")
_USER_METRIC = "logging.googleapis.com/user/"


def full_name(host: str, relative: str) -> str:
    """A Cloud Asset Inventory style full resource name: //HOST/RELATIVE."""
    return f"//{host}/{relative}"


def parent_account(parent: str) -> str:
    """The account a parent's resources belong to: the project ID for projects/ID, the
    relative name for folders, organizations and billing accounts."""
    return parent.removeprefix("projects/") if parent.startswith("projects/") else parent


class _Projects:
    """Project numbers -> project IDs, from the collected projects (an API may name a
    project by either)."""

    def __init__(self, inventory: Inventory) -> None:
        self.ids: dict[str, str] = {}
        for project in inventory.of_type(PROJECT):
            number = project.attrs.get("project_number")
            if isinstance(number, str):
                self.ids[number] = project.account

    def id_of(self, project: str) -> str:
        return self.ids.get(project, project)


def destination_ref(destination: Any, projects: _Projects) -> Ref:
    """The reference a sink's destination makes (unresolved for a destination logward does
    not collect, with the reason)."""
    if isinstance(destination, Unknowable):
        return Ref(unknown=destination)
    text = str(destination)
    if m := _STORAGE.match(text):
        return Ref(
            full_name("storage.googleapis.com", m["b"]),
            type=BUCKET,
            name=m["b"],
            region="global",
            shown=text,
        )
    if m := _LOG_BUCKET.match(text):
        parent = m["parent"]
        if parent.startswith("projects/"):
            parent = f"projects/{projects.id_of(parent.removeprefix('projects/'))}"
        relative = f"{parent}/locations/{m['loc']}/buckets/{m['b']}"
        return Ref(
            full_name("logging.googleapis.com", relative),
            type=LOG_BUCKET,
            name=relative,
            account=parent_account(parent),
            region=m["loc"],
            shown=text,
        )
    if m := _DATASET.match(text):
        project = projects.id_of(m["p"])
        return Ref(
            full_name("bigquery.googleapis.com", f"projects/{project}/datasets/{m['d']}"),
            type=DATASET,
            name=m["d"],
            account=project,
            region="global",
            shown=text,
        )
    return Ref(unknown=Unknowable(_uncollected(text)))


def _uncollected(text: str) -> str:
    if m := _PUBSUB.match(text):
        return (
            f"destination {text} is a Pub/Sub topic in project {m['p']}: logward does not read "
            "topics or their subscribers, so where these entries are kept cannot be judged"
        )
    if m := _LOG_PROJECT.match(text):
        return (
            f"destination {text} routes the entries to project {m['p']}, whose own sinks and "
            "log buckets decide where they are kept"
        )
    return f"destination {text} is of a kind logward does not collect, so it cannot be judged"


def key_ref(name: Any) -> Ref | None:
    """The reference a log store's key name makes (None: no key)."""
    if name is None:
        return None
    if isinstance(name, Unknowable):
        return Ref(unknown=name)
    m = _KEY.match(str(name))
    if m is None:
        return Ref(unknown=Unknowable(f"KMS key name {name!r} is not a crypto key name"))
    relative = f"projects/{m['p']}/locations/{m['loc']}/keyRings/{m['r']}/cryptoKeys/{m['k']}"
    return Ref(
        full_name("cloudkms.googleapis.com", relative),
        type=KEY,
        name=relative,
        account=m["p"],
        region=m["loc"],
        shown=str(name),
    )


def live_refs(inventory: Inventory, scope: Scope | None = None) -> dict[str, dict[str, list[Ref]]]:
    """The references of the collected resources, for the core linker (`scope` is unused:
    every reference is named in the attributes)."""
    projects = _Projects(inventory)
    out: dict[str, dict[str, list[Ref]]] = {}
    for sink in inventory.of_type(SINK):
        if sink.placeholder is None:
            out[sink.id] = {
                "destination": [destination_ref(sink.attrs.get("destination"), projects)]
            }
    for rtype, attr in (
        (LOG_BUCKET, "cmek_key"),
        (BUCKET, "default_kms_key"),
        (DATASET, "default_kms_key"),
    ):
        for store in inventory.of_type(rtype):
            if store.placeholder is None:
                ref = key_ref(store.attrs.get(attr))
                out[store.id] = {"kms_key": [ref] if ref is not None else []}
    metrics = {
        (m.account, m.attrs.get("metric_type")): m.id
        for m in inventory.of_type(METRIC)
        if m.placeholder is None
    }
    for alert in inventory.of_type(ALERT):
        if alert.placeholder is None:
            out[alert.id] = {
                "metrics": _metric_refs(alert, metrics),
                "notification_channels": _channel_refs(alert),
            }
    for policy in inventory.of_type(DNS_POLICY):
        if policy.placeholder is None:
            out[policy.id] = {"networks": _network_refs(policy)}
    return out


def fired_metric_types(conditions: list[Any], combiner: Any) -> tuple[set[str], list[Unknowable]]:
    """The metric types an alert policy fires on, and what could not be read: those of its
    threshold conditions (CIS 2.4-2.11: "a condition ... stream is above a threshold"). An
    absence condition fires when nothing happens, not on a change; an MQL/PromQL/SQL query is
    not read. Under a combiner other than OR with several conditions, every condition must hold
    for the policy to fire, so a type counts only when every condition is a threshold on it (an
    unrelated condition beside it would gate the alert). Plans and live scans share this rule."""
    every = len(conditions) > 1 and combiner != "OR"
    if every and isinstance(combiner, Unknowable):
        return set(), [combiner]
    unread: list[Unknowable] = []
    wanted: list[set[str]] = []
    for condition in conditions:
        types = condition.get("metric_types") if isinstance(condition, dict) else condition
        if isinstance(types, Unknowable):
            unread.append(types)
            continue
        wanted.append(set(types or []) if condition.get("kind") == "threshold" else set())
    if unread and every:
        return set(), unread
    return (set.intersection(*wanted) if every else set().union(*wanted)), unread


def _metric_refs(alert: Resource, metrics: Mapping[tuple[str, Any], str]) -> list[Ref]:
    conditions = alert.attrs.get("conditions")
    if isinstance(conditions, Unknowable):
        return [Ref(unknown=conditions)]
    fired, unread = fired_metric_types(list(conditions or []), alert.attrs.get("combiner"))
    refs = [Ref(unknown=u) for u in unread]
    for metric_type in sorted(fired):
        rid = metrics.get((alert.account, metric_type))
        if rid is not None:
            refs.append(Ref(rid))
        elif str(metric_type).startswith(_USER_METRIC):
            name = str(metric_type).removeprefix(_USER_METRIC)
            refs.append(
                Ref(full_name("logging.googleapis.com", f"projects/{alert.account}/metrics/{name}"))
            )
    return refs


def _channel_refs(alert: Resource) -> list[Ref]:
    channels = alert.attrs.get("notification_channels")
    if isinstance(channels, Unknowable):
        return [Ref(unknown=channels)]
    refs = []
    for channel in channels or []:
        m = _CHANNEL.match(str(channel))
        if m is None:
            refs.append(Ref(unknown=Unknowable(f"{channel!r} is not a notification channel name")))
            continue
        refs.append(
            Ref(
                full_name("monitoring.googleapis.com", str(channel)),
                type=CHANNEL,
                name=str(channel),
                account=m["p"],
                region="global",
                shown=str(channel),
            )
        )
    return refs


def _network_refs(policy: Resource) -> list[Ref]:
    networks = policy.attrs.get("networks")
    if isinstance(networks, Unknowable):
        return [Ref(unknown=networks)]
    refs = []
    for url in networks or []:
        m = _NETWORK.search(str(url))
        if m is None:
            refs.append(Ref(unknown=Unknowable(f"{url!r} is not a VPC network URL")))
            continue
        relative = f"projects/{m['p']}/global/networks/{m['n']}"
        refs.append(
            Ref(
                full_name("compute.googleapis.com", relative),
                type=NETWORK,
                name=m["n"],
                account=m["p"],
                region="global",
                shown=str(url),
            )
        )
    return refs


# Types listed whole per project (or folder/org): one missing from a listing that succeeded
# is absent. Storage buckets, datasets and keys are read one by one, by the name a log store
# gives: absent only when that read answered 404.
LISTED = frozenset({LOG_BUCKET, CHANNEL, NETWORK, METRIC})
_NOT_FOUND = frozenset({"404", "NOT_FOUND", "notFound"})


class GcpGaps:
    """Why a target a live GCP scan names is not in the inventory (the core `Gaps`)."""

    def __init__(self, inventory: Inventory, accounts: Iterable[str] | None = None) -> None:
        self.inventory = inventory
        self.accounts = set(accounts) if accounts is not None else scanned_accounts(inventory)
        self.by_id: dict[str, Any] = {}
        for error in inventory.errors:
            if error.resource_id is not None:
                self.by_id.setdefault(error.resource_id, error)

    def missing(self, ref: Ref, rtype: str, what: str, spec: LinkSpec) -> Unknowable | Absent:
        """The placeholder reason for `ref`."""
        error = self.by_id.get(ref.id)
        if error is not None:
            if str(error.code) in _NOT_FOUND:
                return Absent(f"{what} does not exist: {error.operation} answered {error.code}")
            return Unknowable(error.reason, error=True)
        if rtype == BUCKET:
            return Unknowable((spec.missing or BUCKET_MISSING).format(what=what, account=""))
        account = ref.account or ""
        if account not in self.accounts:
            return Unknowable(f"{what} is in {_noun(account)}, outside the scan")
        errors = self.inventory.type_errors(rtype, account)
        if errors:
            return Unknowable(errors[0].reason, error=True)
        if rtype in LISTED:
            return Absent(
                f"{what} does not exist: the listing of {_noun(account)} succeeded and does "
                "not hold it"
            )
        return Unknowable(f"{what} was not collected in {_noun(account)}")


def _noun(account: str) -> str:
    if "/" in account:
        kind, _, rest = account.partition("/")
        return f"{kind.removesuffix('s').replace('billingAccount', 'billing account')} {rest}"
    return f"project {account}"


def scanned_accounts(inventory: Inventory) -> set[str]:
    """The projects the scan judged, and the folders and organization it read."""
    found = {
        p.account
        for p in inventory.of_type(PROJECT)
        if p.placeholder is None and p.attrs.get("in_scan") is not False
    }
    for rtype in (FOLDER, ORG):
        found |= {r.account for r in inventory.of_type(rtype) if r.placeholder is None}
    return found


def live_gaps(
    inventory: Inventory, scope: Scope | None = None, locations: Iterable[str] = ()
) -> GcpGaps:
    """The gaps of a live scan of `inventory`: the scanned projects and the folders and
    organization read (from `scope` when given). Every location is looked at (log buckets
    are listed at location `-`), so `locations` changes nothing."""
    if scope is None:
        return GcpGaps(inventory)
    accounts = [n.account for n in scope.nodes.values() if n.kind != "project" or n.in_scan]
    return GcpGaps(inventory, accounts)
