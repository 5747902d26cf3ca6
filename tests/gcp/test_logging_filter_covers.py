"""The covers relation on Cloud Logging filters: every CIS GCP 2.4-2.11 filter is covered by
its reformulations, not by narrower filters, and left undecided (never passed) where no proof
and no witness exist."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from scanner.providers.gcp.analysis.cis_filters import CIS_FILTERS
from scanner.providers.gcp.analysis.logging_filter import (
    MAX_CONJUNCTS,
    TooComplexError,
    check,
    to_dnf,
)
from scanner.providers.gcp.analysis.logging_filter_syntax import FilterSyntaxError, parse

POLICIES = Path(__file__).resolve().parents[2] / "policies" / "gcp" / "monitoring"


def cis(slug: str) -> str:
    return CIS_FILTERS[f"gcp-monitoring-{slug}"].filter


MN = "protoPayload.methodName"
BD = "protoPayload.serviceData.policyDelta.bindingDeltas"
CRM = 'protoPayload.serviceName="cloudresourcemanager.googleapis.com"'

# (slug, actual filter, expected verdict: True covered, False not covered, None undecided)
CASES: list[tuple[str, str, bool | None]] = [
    # 2.4 project ownership
    ("project-ownership-changes", cis("project-ownership-changes"), True),
    (
        "project-ownership-changes",
        # The CIS PDF's own spelling (no quotation marks), as Prowler's JSON copies it.
        "(protoPayload.serviceName=cloudresourcemanager.googleapis.com) AND (ProjectOwnership "
        f"OR projectOwnerInvitee) OR ({BD}.action=REMOVE AND {BD}.role=roles/owner) OR "
        f"({BD}.action=ADD AND {BD}.role=roles/owner)",
        True,
    ),
    (
        "project-ownership-changes",
        # The "intuitive" reading, with AND binding tighter, is broader: it covers.
        f'({CRM} AND (ProjectOwnership OR projectOwnerInvitee)) OR ({BD}.action="REMOVE" AND '
        f'{BD}.role="roles/owner") OR ({BD}.action="ADD" AND {BD}.role="roles/owner")',
        True,
    ),
    (
        "project-ownership-changes",
        f'{CRM}\n  ({BD}.role="roles/owner" OR projectownerinvitee OR "PROJECTOWNERSHIP")',
        True,
    ),
    ("project-ownership-changes", f"{CRM} AND ProjectOwnership", False),
    (
        "project-ownership-changes",
        f'{CRM} AND (ProjectOwnership OR projectOwnerInvitee OR {BD}.action="ADD")',
        False,
    ),
    (
        "project-ownership-changes",
        # A field instead of the global search term is narrower.
        f'{CRM} AND ({MN}:"ProjectOwnership" OR projectOwnerInvitee OR {BD}.role="roles/owner")',
        False,
    ),
    # 2.5 audit configuration
    ("audit-config-changes", cis("audit-config-changes"), True),
    (
        "audit-config-changes",
        "protoPayload.serviceData.policyDelta.auditConfigDeltas:* "
        f'{MN} = "setiampolicy"  -- case of values does not matter',
        True,
    ),
    ("audit-config-changes", "protoPayload.serviceData.policyDelta.auditConfigDeltas:*", True),
    ("audit-config-changes", f'{MN}:"IamPolicy" AND protoPayload.serviceData:*', True),
    ("audit-config-changes", f'{MN}="SetIamPolicy"', True),
    (
        "audit-config-changes",
        f'{MN}="SetIamPolicy" AND protoPayload.serviceData.policyDelta.auditConfigDeltas.'
        'action="ADD"',
        False,
    ),
    (
        "audit-config-changes",
        f'{MN}="SetIamPolicy" AND resource.type="project" AND '
        "protoPayload.serviceData.policyDelta.auditConfigDeltas:*",
        False,
    ),
    # 2.6 custom roles
    ("custom-role-changes", cis("custom-role-changes"), True),
    (
        "custom-role-changes",
        f'resource.type=iam_role {MN}:("google.iam.admin.v1.CreateRole" OR '
        '"google.iam.admin.v1.DeleteRole" OR "google.iam.admin.v1.UpdateRole" OR '
        '"google.iam.admin.v1.UndeleteRole")',
        True,
    ),
    ("custom-role-changes", f'resource.type="iam_role" AND {MN}:"Role"', True),
    ("custom-role-changes", f'{MN}=~"Role$" OR resource.type="iam_role"', True),
    (
        "custom-role-changes",
        f'resource.type="iam_role" AND ({MN}="google.iam.admin.v1.CreateRole" OR '
        f'{MN}="google.iam.admin.v1.DeleteRole" OR {MN}="google.iam.admin.v1.UpdateRole")',
        False,  # UndeleteRole missing: Prowler's string passes this
    ),
    (
        "custom-role-changes",
        f'resource.type="iam_role" AND NOT {MN}="google.iam.admin.v1.UndeleteRole"',
        False,
    ),
    # 2.7 firewall rules
    ("firewall-rule-changes", cis("firewall-rule-changes"), True),
    (
        "firewall-rule-changes",
        f'resource.type="gce_firewall_rule" AND {MN}:"compute.firewalls."',
        True,
    ),
    (
        "firewall-rule-changes",
        f'resource.type="gce_firewall_rule" AND NOT {MN}:"compute.firewalls.get"',
        None,  # a name holding both "...patch" and "...get" is possible, not refuted
    ),
    (
        "firewall-rule-changes",
        f'resource.type="gce_firewall_rule" AND ({MN}="v1.compute.firewalls.patch" OR '
        f'{MN}="v1.compute.firewalls.insert" OR {MN}="v1.compute.firewalls.delete")',
        False,  # exact v1. names miss beta.compute.firewalls.*
    ),
    (
        "firewall-rule-changes",
        f'resource.type="gce_firewall_rule" AND {MN}:"compute.firewalls" AND severity>=ERROR',
        False,
    ),
    (
        "firewall-rule-changes",
        f'resource.type="gce_firewall_rule" AND '
        f'{MN}=~"compute\\.firewalls\\.(patch|insert|delete)"',
        None,  # a regular expression is neither proven nor refuted
    ),
    # 2.8 routes
    ("route-changes", cis("route-changes"), True),
    (
        "route-changes",
        f'({MN}:"compute.routes.insert" OR {MN}:"compute.routes.delete") resource.type="gce_route"',
        True,
    ),
    ("route-changes", f'resource.type="gce_route" AND {MN}:"compute.routes.insert"', False),
    (
        "route-changes",
        f'resource.type="gce_route" AND {MN}:"compute.routes.delete" OR '
        f'{MN}:"compute.routes.insert"',
        True,  # OR binds tighter: route AND (delete OR insert)
    ),
    # 2.9 networks
    ("network-changes", cis("network-changes"), True),
    (
        "network-changes",
        f'resource.type="gce_network" AND {MN}:"compute.networks."',
        True,
    ),
    (
        "network-changes",
        f'resource.type="gce_network" AND ({MN}:"compute.networks.insert" OR '
        f'{MN}:"compute.networks.patch" OR {MN}:"compute.networks.delete")',
        False,
    ),
    (
        "network-changes",
        # The benchmark's CLI spelling (and Steampipe's): exact names, narrower.
        f"resource.type=gce_network AND {MN}=beta.compute.networks.insert OR "
        f"{MN}=beta.compute.networks.patch OR {MN}=v1.compute.networks.delete OR "
        f"{MN}=v1.compute.networks.removePeering OR {MN}=v1.compute.networks.addPeering",
        False,
    ),
    # 2.10 storage IAM
    ("storage-iam-changes", cis("storage-iam-changes"), True),
    ("storage-iam-changes", f'{MN}="storage.setIamPermissions"', True),
    ("storage-iam-changes", f'{MN}:"setIamPermissions" OR resource.type="gcs_bucket"', True),
    (
        "storage-iam-changes",
        f'resource.type="gcs_bucket" AND {MN}="storage.setIamPermissions" AND '
        'resource.labels.bucket_name="lw-audit-archive"',
        False,
    ),
    (
        "storage-iam-changes",
        f'resource.type="gcs_bucket" AND {MN}!="storage.getIamPermissions"',
        True,
    ),
    # 2.11 Cloud SQL
    ("sql-instance-changes", cis("sql-instance-changes"), True),
    ("sql-instance-changes", f'{MN}="CloudSQL.Instances.Update"', True),
    ("sql-instance-changes", f'{MN}:"cloudsql.instances"', True),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" OR {MN}="x"', True),
    (
        "sql-instance-changes",
        # OR binds tighter than AND: (update OR patch) AND resource.type=...: narrower.
        f'{MN}="cloudsql.instances.update" OR {MN}="cloudsql.instances.patch" AND '
        'resource.type="cloudsql_database"',
        False,
    ),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" AND severity>=NOTICE', False),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" AND severity>=DEFAULT', True),
    ("sql-instance-changes", f'{MN}:"cloudsql.instances.update" AND severity<=EMERGENCY', True),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.updat"', False),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" or {MN}="x"', False),
    ("sql-instance-changes", f"{MN}=cloudsql.instances.update AND sample(insertId, 0.5)", None),
    ("sql-instance-changes", f'{MN}=~"^cloudsql\\.instances\\.update$"', None),
    ("sql-instance-changes", f'{MN}=~"^cloudsql\\.instances\\.patch$"', False),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" AND timestamp>="2020-01-01"', None),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" AND protopayload.x:*', False),
    ("sql-instance-changes", 'protopayload.methodname="cloudsql.instances.update"', None),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" AND NOT resource.type:*', False),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" AND logName:"/logs/"', True),
    ("sql-instance-changes", "", True),
    (
        "sql-instance-changes",
        # Excluding the deployment robot is narrower: the witness carries its address.
        f'{MN}="cloudsql.instances.update" AND '
        'NOT protoPayload.authenticationInfo.principalEmail:"deployer@"',
        False,
    ),
    ("sql-instance-changes", f'{MN}="cloudsql.instances.update" AND NOT "dry-run"', False),
]


@pytest.mark.parametrize(
    ("slug", "actual", "expected"),
    CASES,
    ids=[f"{slug}-{i}" for i, (slug, _a, _e) in enumerate(CASES)],
)
def test_covers(slug: str, actual: str, expected: bool | None) -> None:
    result = check(actual, cis(slug))
    assert result.verdict is expected, result.reason
    assert (result.reason is None) == (expected is True)


def test_a_failure_names_an_entry_the_filter_misses() -> None:
    narrow = f'resource.type="gce_route" AND {MN}:"compute.routes.insert"'
    reason = check(narrow, cis("route-changes")).reason
    assert reason == (
        f'an entry with {MN}="compute.routes.delete", resource.type="gce_route" matches the '
        f'required filter but not this one (it fails {MN}:"compute.routes.insert")'
    )


def test_a_failure_names_the_restriction_that_narrows_the_filter() -> None:
    # every cloudsql.instances.update audit entry has this resource type, but the filter text
    # alone cannot show it: the finding at least names the added restriction
    added = f'{MN}="cloudsql.instances.update" AND resource.type="cloudsql_database"'
    reason = check(added, cis("sql-instance-changes")).reason
    assert reason is not None and reason.endswith('(it fails resource.type="cloudsql_database")')
    # sibling: an excluded principal is named with its NOT
    who = "protoPayload.authenticationInfo.principalEmail"
    excluding = f'{MN}="cloudsql.instances.update" AND NOT {who}:"deployer@"'
    reason = check(excluding, cis("sql-instance-changes")).reason
    assert reason is not None and reason.endswith(f'(it fails NOT {who}:"deployer@")')


def test_an_undecided_comparison_is_named() -> None:
    regex = f'{MN}=~"^cloudsql\\.instances\\.update$"'
    reason = check(regex, cis("sql-instance-changes")).reason
    assert reason is not None
    assert "cannot be decided" in reason and "=~" in reason


def test_global_terms_in_the_required_filter_are_witnessed_by_some_field() -> None:
    reason = check(f"{CRM} AND projectOwnerInvitee", cis("project-ownership-changes")).reason
    assert reason is not None and 'a field containing "ProjectOwnership"' in reason


def test_unparseable_filters_raise() -> None:
    with pytest.raises(FilterSyntaxError):
        check('x="open', cis("route-changes"))


def test_contradictory_alternatives_of_the_required_filter_are_vacuous() -> None:
    required = 'resource.type="a" AND resource.type="b" OR x="1"'  # (a AND (b OR x)) ...
    assert check('resource.type="a" AND x="1"', required).verdict is True


def test_dnf_is_bounded() -> None:
    wide = " AND ".join(f"(a{i}=1 OR b{i}=1)" for i in range(13))
    expr = parse(wide)
    assert expr is not None
    with pytest.raises(TooComplexError):
        to_dnf(expr, limit=MAX_CONJUNCTS)
    assert check("", wide).verdict is True
    assert check("a0=1", wide).verdict is None  # the required filter is too complex


def _variants(rng: random.Random, slug: str) -> tuple[str, str]:
    """A covering reformulation and a narrower one of an OR-list CIS filter."""
    head, _, tail = cis(slug).partition(" AND (")
    terms = [t.strip() for t in tail.rstrip(")").split(" OR ")]
    rng.shuffle(terms)
    spaced = [
        t.replace('"', "") if rng.random() < 0.5 and ":" not in t else t.replace("=", " = ")
        for t in terms
    ]
    extra = [*spaced, f'{MN}="unrelated.method"']
    rng.shuffle(extra)
    broader = f"({' OR '.join(extra)})\n{head}"
    narrower = f"{head} AND ({' OR '.join(spaced[1:])})"
    return broader, narrower


@pytest.mark.parametrize(
    "slug",
    ["custom-role-changes", "firewall-rule-changes", "route-changes", "network-changes"],
)
def test_random_reformulations(slug: str) -> None:
    rng = random.Random(slug)
    for _ in range(25):
        broader, narrower = _variants(rng, slug)
        assert check(broader, cis(slug)).verdict is True, broader
        assert check(narrower, cis(slug)).verdict is False, narrower


def test_policy_defaults_are_the_cis_filters() -> None:
    for policy_id, cis_filter in CIS_FILTERS.items():
        policy = yaml.safe_load((POLICIES / f"{policy_id}.yaml").read_text())
        assert policy["parameters"]["filter"]["default"] == cis_filter.filter, policy_id
        refs = {r["id"] for r in policy["references"]}
        assert {cis_filter.v4, cis_filter.v5} <= refs, policy_id


# --------------------------------------------------------------------------------------------
# Soundness against brute force: random small filters over two one-valued fields, every
# entry over a small value universe evaluated concretely. A proof (True) must have no
# counterexample in the universe, and a refutation (False) must come with one somewhere.

_FIELDS = ("protoPayload.serviceName", "protoPayload.methodName")
_VALUES = ("a", "b", "ab", "A")


def _random_filter(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth >= 2 or roll < 0.45:
        field, value = rng.choice(_FIELDS), rng.choice(_VALUES)
        atom = rng.choice([f'{field}="{value}"', f'{field}:"{value}"', f"{field}:*", f'"{value}"'])
        return f"NOT {atom}" if rng.random() < 0.2 else atom
    left, right = _random_filter(rng, depth + 1), _random_filter(rng, depth + 1)
    op = rng.choice([" AND ", " OR ", " "])
    return f"({left}{op}{right})"


def _universe() -> list[dict[str, str]]:
    from scanner.providers.gcp.analysis.logging_filter import _ALWAYS

    entries = []
    for first in (None, *_VALUES):
        for second in (None, *_VALUES):
            entry = dict(_ALWAYS)
            for field, value in zip(_FIELDS, (first, second), strict=True):
                if value is not None:
                    entry[field] = value
            entries.append(entry)
    return entries


def _matches(text: str, entry: dict[str, str]) -> bool | None:
    from scanner.providers.gcp.analysis.logging_filter import _atoms, _kleene
    from scanner.providers.gcp.analysis.logging_filter_facts import holds

    expr = parse(text)
    if expr is None:
        return True
    return _kleene(expr, {atom: holds(atom, entry) for atom in _atoms(expr)})


def test_covers_is_sound_against_brute_force() -> None:
    rng = random.Random(20261207)
    universe = _universe()
    decided = 0
    for _ in range(400):
        actual, required = _random_filter(rng), _random_filter(rng)
        verdict = check(actual, required).verdict
        counterexamples = [
            e for e in universe if _matches(required, e) is True and _matches(actual, e) is False
        ]
        if verdict is True:
            assert not counterexamples, (actual, required, counterexamples[0])
            decided += 1
        elif verdict is False:
            decided += 1
    assert decided > 300  # the relation decides most small cases
