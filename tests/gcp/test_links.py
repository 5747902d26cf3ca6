"""GCP links through the core linker: alert policies and their metrics and channels, DNS
policies and networks, log store keys; each target found, absent, outside the scan, or behind
a failed listing."""

from __future__ import annotations

from typing import Any

from scanner.inventory import Inventory
from scanner.link import Declared, resolve
from scanner.model import Absent, CollectionError, Resource, Unknowable
from scanner.providers.gcp.links import JOINS, LINKS, destination_ref, key_ref, live_gaps, live_refs

RM = "//cloudresourcemanager.googleapis.com/projects/"
MON = "//monitoring.googleapis.com/projects/lw-logging/"
METRIC = "//logging.googleapis.com/projects/lw-logging/metrics/"


def _res(
    rtype: str, rid: str, account: str, attrs: dict[str, Any], region: str = "global"
) -> Resource:
    return Resource("gcp", account, region, rtype, rid, rid.rsplit("/", 1)[-1], attrs)


def _project(pid: str) -> Resource:
    return _res(
        "gcp.project",
        RM + pid,
        pid,
        {"name": f"projects/{pid}", "in_scan": True, "project_number": "1" + pid},
    )


def _metric(name: str, account: str = "lw-logging") -> Resource:
    rid = f"//logging.googleapis.com/projects/{account}/metrics/{name}"
    return _res(
        "gcp.logging.metric", rid, account, {"metric_type": f"logging.googleapis.com/user/{name}"}
    )


def _alert(aid: str, types: list[str], channels: list[str]) -> Resource:
    condition = {"kind": "threshold", "filter": None, "query": None, "metric_types": types}
    attrs = {"conditions": [condition], "notification_channels": channels, "enabled": True}
    return _res("gcp.monitoring.alert_policy", MON + f"alertPolicies/{aid}", "lw-logging", attrs)


def linked(*resources: Resource, errors: tuple[CollectionError, ...] = ()) -> Inventory:
    inv = Inventory()
    inv.extend([_project("lw-logging"), _project("prod-app"), *resources])
    for error in errors:
        inv.add_error(error)
    return resolve(inv, live_refs(inv), Declared(LINKS, JOINS), live_gaps(inv))


def test_a_metric_links_back_to_the_alert_policies_that_ask_for_its_type() -> None:
    inv = linked(
        _metric("ownership"),
        _metric("other"),
        _alert(
            "1",
            ["logging.googleapis.com/user/ownership", "compute.googleapis.com/instance/cpu"],
            [],
        ),
        _alert("2", ["logging.googleapis.com/user/ownership-x"], []),
    )
    assert inv.get(METRIC + "ownership").links["alert_policies"].targets == (
        MON + "alertPolicies/1",
    )  # type: ignore[union-attr]
    assert inv.get(METRIC + "other").links["alert_policies"].targets == ()  # type: ignore[union-attr]
    # a built-in metric and a metric that was not collected are not linked
    assert inv.get(MON + "alertPolicies/2").links["metrics"].targets == ()  # type: ignore[union-attr]


def test_a_metric_of_another_project_is_not_the_alert_s() -> None:
    inv = linked(
        _metric("ownership", "prod-app"), _alert("1", ["logging.googleapis.com/user/ownership"], [])
    )
    metric = inv.get("//logging.googleapis.com/projects/prod-app/metrics/ownership")
    assert metric is not None and metric.links["alert_policies"].targets == ()


def test_a_failed_alert_policy_listing_leaves_the_metric_s_alerts_an_error() -> None:
    error = CollectionError(
        "gcp",
        "lw-logging",
        "global",
        "alertPolicies.list",
        "PERMISSION_DENIED",
        "denied",
        ("gcp.monitoring.alert_policy",),
    )
    inv = linked(_metric("ownership"), errors=(error,))
    link = inv.get(METRIC + "ownership").links["alert_policies"]  # type: ignore[union-attr]
    assert link.unresolved is not None and link.unresolved.error


def test_channels_found_absent_and_outside_the_scan() -> None:
    channel = _res(
        "gcp.monitoring.channel",
        MON + "notificationChannels/1",
        "lw-logging",
        {"verification_status": "VERIFIED"},
    )
    alert = _alert(
        "1",
        [],
        [
            "projects/lw-logging/notificationChannels/1",
            "projects/lw-logging/notificationChannels/9",
            "projects/elsewhere/notificationChannels/3",
        ],
    )
    inv = linked(channel, alert)
    targets = inv.get(alert.id).links["notification_channels"].targets  # type: ignore[union-attr]
    assert len(targets) == 3
    gone = inv.get(MON + "notificationChannels/9")
    far = inv.get("//monitoring.googleapis.com/projects/elsewhere/notificationChannels/3")
    assert gone is not None and isinstance(gone.placeholder, Absent)
    assert (
        far is not None
        and isinstance(far.placeholder, Unknowable)
        and "outside the scan" in far.placeholder.reason
    )


def test_a_failed_channel_listing_makes_the_missing_channel_an_error() -> None:
    error = CollectionError(
        "gcp",
        "lw-logging",
        "global",
        "notificationChannels.list",
        "PERMISSION_DENIED",
        "denied",
        ("gcp.monitoring.channel",),
    )
    inv = linked(_alert("1", [], ["projects/lw-logging/notificationChannels/9"]), errors=(error,))
    gone = inv.get(MON + "notificationChannels/9")
    assert gone is not None and isinstance(gone.placeholder, Unknowable) and gone.placeholder.error


def test_dns_policies_link_to_networks_and_back() -> None:
    network = _res(
        "gcp.compute.network",
        "//compute.googleapis.com/projects/prod-app/global/networks/default",
        "prod-app",
        {},
    )
    policy = _res(
        "gcp.dns.policy",
        "//dns.googleapis.com/projects/prod-app/policies/p",
        "prod-app",
        {
            "enable_logging": True,
            "networks": [
                "https://www.googleapis.com/compute/v1/projects/prod-app/global/networks/default"
            ],
        },
    )
    inv = linked(network, policy)
    assert inv.get(network.id).links["dns_policies"].targets == (policy.id,)  # type: ignore[union-attr]


def test_destination_references() -> None:
    class _NoProjects:
        def id_of(self, project: str) -> str:
            return {"300000000001": "lw-logging"}.get(project, project)

    projects: Any = _NoProjects()
    assert destination_ref("storage.googleapis.com/b", projects).id == "//storage.googleapis.com/b"
    by_number = destination_ref(
        "logging.googleapis.com/projects/300000000001/locations/global/buckets/x", projects
    )
    assert by_number.id == "//logging.googleapis.com/projects/lw-logging/locations/global/buckets/x"
    assert by_number.account == "lw-logging"
    folder = destination_ref("logging.googleapis.com/folders/2/locations/eu/buckets/x", projects)
    assert (folder.account, folder.region) == ("folders/2", "eu")
    assert (
        destination_ref("bigquery.googleapis.com/projects/p/datasets/d", projects).id
        == "//bigquery.googleapis.com/projects/p/datasets/d"
    )
    for text in (
        "pubsub.googleapis.com/projects/p/topics/t",
        "logging.googleapis.com/projects/p",
        "splunk://x",
    ):
        ref = destination_ref(text, projects)
        assert ref.unknown is not None and text in ref.unknown.reason


def test_key_references_drop_the_version() -> None:
    ref = key_ref("projects/p/locations/us/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3")
    assert (
        ref is not None
        and ref.id == "//cloudkms.googleapis.com/projects/p/locations/us/keyRings/r/cryptoKeys/k"
    )
    assert (ref.account, ref.region) == ("p", "us")
    assert key_ref(None) is None
    bad = key_ref("alias/x")
    assert bad is not None and bad.unknown is not None


def test_live_gaps_from_the_scope_count_only_projects_in_scan() -> None:
    from scanner.providers.gcp.declare import Node, Scope

    scope = Scope(
        {
            "organizations/1": Node("organizations/1", "organization"),
            "projects/lw-logging": Node(
                "projects/lw-logging", "project", "organizations/1", in_scan=True
            ),
            "projects/context": Node("projects/context", "project", "organizations/1"),
        },
        organization="organizations/1",
    )
    inv = Inventory()
    gaps = live_gaps(inv, scope)
    assert gaps.accounts == {"organizations/1", "lw-logging"}


def _alert_of(aid: str, combiner: str, *conditions: tuple[str, list[str]]) -> Resource:
    attrs = {
        "conditions": [
            {"kind": kind, "filter": None, "query": None, "metric_types": types}
            for kind, types in conditions
        ],
        "combiner": combiner,
        "notification_channels": [],
        "enabled": True,
    }
    return _res("gcp.monitoring.alert_policy", MON + f"alertPolicies/{aid}", "lw-logging", attrs)


def test_only_a_threshold_condition_that_fires_alone_links_the_metric() -> None:
    own = "logging.googleapis.com/user/ownership"
    cpu = "compute.googleapis.com/instance/cpu/utilization"
    inv = linked(
        _metric("ownership"),
        # absence on the metric fires when nothing happens; the threshold is on CPU
        _alert_of("1", "OR", ("absent", [own]), ("threshold", [cpu])),
        # AND: the unrelated CPU condition gates the alert
        _alert_of("2", "AND", ("threshold", [own]), ("threshold", [cpu])),
        # sibling: OR with an unrelated condition fires on the metric alone
        _alert_of("3", "OR", ("threshold", [own]), ("threshold", [cpu])),
        # boundary: AND of conditions that are all thresholds on the metric
        _alert_of("4", "AND", ("threshold", [own]), ("threshold", [own])),
        # one condition: the combiner does not matter
        _alert_of("5", "AND", ("threshold", [own])),
    )
    link = inv.get(METRIC + "ownership").links["alert_policies"]  # type: ignore[union-attr]
    assert sorted(link.targets) == [MON + f"alertPolicies/{n}" for n in ("3", "4", "5")]


def test_an_unreadable_combiner_of_several_conditions_is_unknown() -> None:
    own = "logging.googleapis.com/user/ownership"
    alert = _alert_of("1", "OR", ("threshold", [own]), ("threshold", [own]))
    alert.attrs["combiner"] = Unknowable("combiner not read")
    inv = linked(_metric("ownership"), alert)
    link = inv.get(MON + "alertPolicies/1").links["metrics"]  # type: ignore[union-attr]
    assert link.unresolved is not None and link.targets == ()
