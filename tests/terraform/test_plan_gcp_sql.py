"""google_sql_database_instance in a plan: the same gcp.sql.instance the live scan reads from
instances.list (ids, flags, the CIS 6.2 effective values with their Cloud SQL defaults), a
flag or a version known only after apply is unknown, and a replica or a new instance without
flags is judged on its defaults."""

from __future__ import annotations

from typing import Any

from scanner.model import Status, Unknowable
from scanner.policy.engine import evaluate
from scanner.policy.loader import compile_policies, load_policies
from scanner.providers.gcp import sql
from tests.terraform.gcpplan import (
    add_resource,
    attr,
    get,
    golden,
    golden_scan,
    scan,
    schema_problems,
)
from tests.terraform.planedit import unknown, values

PG = "//sqladmin.googleapis.com/projects/prod-data/instances/prod-pg"
MYSQL = "//sqladmin.googleapis.com/projects/lw-logging/instances/audit-mysql"
PG_ADDRESS = "google_sql_database_instance.prod_pg"


def _judge(found: Any, rid: str) -> dict[str, Status]:
    """The two Cloud SQL policies' statuses for one resource of a plan scan."""
    wanted = [p for p in load_policies() if p.id.startswith("gcp-sql-")]
    findings = evaluate(compile_policies(wanted, {}), found.inventory)
    return {f.policy_id: f.status for f in findings if f.resource_id == rid}


def test_the_golden_instances_read_as_the_live_scan_reads_them() -> None:
    found = golden_scan()
    pg = get(found, PG)
    assert (pg.account, pg.region, pg.name) == ("prod-data", "europe-west1", "prod-pg")
    assert pg.attrs["engine"] == "postgres" and pg.attrs["instance_type"] == "CLOUD_SQL_INSTANCE"
    assert pg.attrs["flags"]["log_min_duration_statement"] == "500"
    by_flag = {f["flag"]: (f["value"], f["origin"]) for f in pg.attrs["log_flags"]}
    assert by_flag["log_min_messages"] == ("warning", sql.DEFAULTED)
    assert by_flag["log_min_duration_statement"] == ("500", sql.SET)
    assert isinstance(pg.attrs["state"], Unknowable) and not pg.attrs["state"].error
    assert attr(found, MYSQL, "engine") == "mysql"
    assert attr(found, MYSQL, "log_flags") == []
    assert _judge(found, PG) == {
        "gcp-sql-postgres-log-flags": Status.FAIL,
        "gcp-sql-postgres-pgaudit": Status.PASS,
    }
    assert _judge(found, MYSQL) == {}
    assert [p for p in schema_problems(found) if "gcp.sql.instance" in p] == []


def test_a_flag_value_known_after_apply_is_unknown_for_that_flag_only() -> None:
    plan = golden()
    flags = values(plan, PG_ADDRESS)["settings"][0]["database_flags"]
    names = [f["name"] for f in flags]
    at = names.index("log_statement")
    del flags[at]["value"]
    unknown(plan, PG_ADDRESS)["settings"] = [
        {"database_flags": [{"value": True} if i == at else {} for i in range(len(flags))]}
    ]
    found = scan(plan)
    element = attr(found, PG, "log_flags")[3]
    assert isinstance(element, Unknowable) and "log_statement" in element.reason
    assert not element.error
    # The definite failure beside it (500 ms) still fails; pgAudit is unaffected.
    assert _judge(found, PG) == {
        "gcp-sql-postgres-log-flags": Status.FAIL,
        "gcp-sql-postgres-pgaudit": Status.PASS,
    }
    # Without that failure the unknown flag makes the finding unknown, never a pass.
    durations = names.index("log_min_duration_statement")
    flags[durations]["value"] = "-1"
    assert _judge(scan(plan), PG)["gcp-sql-postgres-log-flags"] is Status.UNKNOWN


def test_a_version_known_after_apply_leaves_the_engine_unknown() -> None:
    plan = golden()
    values(plan, PG_ADDRESS).pop("database_version")
    unknown(plan, PG_ADDRESS)["database_version"] = True
    found = scan(plan)
    assert isinstance(attr(found, PG, "engine"), Unknowable)
    assert _judge(found, PG) == {
        "gcp-sql-postgres-log-flags": Status.UNKNOWN,
        "gcp-sql-postgres-pgaudit": Status.UNKNOWN,
    }


def test_a_new_replica_without_flags_is_judged_on_the_defaults() -> None:
    plan = golden()
    rid = "//sqladmin.googleapis.com/projects/prod-data/instances/prod-pg-replica"
    add_resource(
        plan,
        "google_sql_database_instance",
        "replica",
        {
            "project": "prod-data",
            "name": "prod-pg-replica",
            "database_version": "POSTGRES_15",
            "master_instance_name": "prod-pg",
            "settings": [{"tier": "db-custom-2-7680"}],
        },
    )
    found = scan(plan)
    replica = get(found, rid)
    # No region argument: the provider configuration's (us-central1).
    assert (replica.region, replica.attrs["instance_type"]) == (
        "us-central1",
        "READ_REPLICA_INSTANCE",
    )
    assert replica.attrs["flags"] == {}
    assert {f["origin"] for f in replica.attrs["log_flags"]} == {sql.DEFAULTED}
    assert _judge(found, rid) == {
        "gcp-sql-postgres-log-flags": Status.FAIL,
        "gcp-sql-postgres-pgaudit": Status.FAIL,
    }
