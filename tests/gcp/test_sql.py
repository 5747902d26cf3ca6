"""Cloud SQL through the real gRPC GAPIC client (google-cloud-sql), the gateway and the
collection loop, against the in-process gRPC fake: the golden estate's instances, a list over
two pages, the Admin API disabled on one project, a failing second page; and the flag
normalization the CIS 6.2 policies rest on (a flag not set takes its Cloud SQL default)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import sqladmin_v1

from scanner.model import Unknowable
from scanner.providers.gcp import sql
from scanner.providers.gcp.fake import grpc as fake_grpc
from tests.gcp.grpcfake import client, write
from tests.gcp.services_scan import errors, fault, golden, scan_estate

SQL = "//sqladmin.googleapis.com/projects/"
INSTANCES = "sqladmin.googleapis.com/v1/projects/{}/instances"


def _pg(name: str, flags: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {"tier": "db-f1-micro"}
    if flags is not None:
        settings["databaseFlags"] = flags
    return {
        "name": name,
        "databaseVersion": "POSTGRES_15",
        "region": "us-central1",
        "state": "RUNNABLE",
        "instanceType": "CLOUD_SQL_INSTANCE",
        "settings": settings,
        **extra,
    }


def test_golden_instances() -> None:
    got, evidence, requests = golden()
    pg = got.inventory.get(SQL + "prod-data/instances/prod-pg")
    assert pg is not None
    assert (pg.account, pg.region, pg.name, pg.type) == (
        "prod-data",
        "europe-west1",
        "prod-pg",
        sql.INSTANCE,
    )
    assert {k: pg.attrs[k] for k in ("database_version", "engine", "state", "instance_type")} == {
        "database_version": "POSTGRES_15",
        "engine": "postgres",
        "state": "RUNNABLE",
        "instance_type": "CLOUD_SQL_INSTANCE",
    }
    assert pg.attrs["flags"]["log_min_duration_statement"] == "500"
    assert pg.attrs["flags"]["pgaudit.log"] == "ddl,role,write"
    by_flag = {f["flag"]: (f["value"], f["origin"]) for f in pg.attrs["log_flags"]}
    assert by_flag == {
        "log_error_verbosity": ("default", sql.SET),
        "log_connections": ("on", sql.SET),
        "log_disconnections": ("on", sql.SET),
        "log_statement": ("ddl", sql.SET),
        "log_min_messages": ("warning", sql.DEFAULTED),
        "log_min_error_statement": ("error", sql.DEFAULTED),
        "log_min_duration_statement": ("500", sql.SET),
    }
    assert pg.attrs["pgaudit_flags"] == [
        {"flag": "cloudsql.enable_pgaudit", "value": "on", "origin": sql.SET}
    ]
    # Evidence: the page it came from, kept as the REST JSON of instances.list.
    page = json.loads(evidence.get(pg.evidence[0].sha256) or b"{}")
    assert page["items"][0]["settings"]["databaseFlags"][0]["name"] == "cloudsql.enable_pgaudit"
    mysql = got.inventory.get(SQL + "lw-logging/instances/audit-mysql")
    assert mysql is not None and mysql.attrs["engine"] == "mysql"
    assert (mysql.attrs["log_flags"], mysql.attrs["pgaudit_flags"]) == ([], [])
    assert got.inventory.of_type(sql.INSTANCE, "prod-app") == []
    asked = sorted(r.path for r in requests if r.host == sql.HOST)
    assert asked == [f"/v1/projects/{p}/instances" for p in sorted(sql_projects())]


def sql_projects() -> list[str]:
    return ["dev-sandbox", "dev-tools", "lw-logging", "prod-app", "prod-data"]


def test_api_disabled_is_an_error_for_that_project_only() -> None:
    got, _, _ = golden()
    assert errors(got, lambda e: sql.INSTANCE in e.resource_types) == [
        ("dev-sandbox", "instances.list", "SERVICE_DISABLED", (sql.INSTANCE,), None)
    ]
    assert got.inventory.of_type(sql.INSTANCE, "dev-sandbox") == []
    assert len(got.inventory.of_type(sql.INSTANCE, "prod-data")) == 1


def test_instances_follow_pages(estate_copy: Path) -> None:
    base = estate_copy / INSTANCES.format("prod-app")
    base.with_suffix(".json").write_text(
        json.dumps({"items": [_pg("a")], "nextPageToken": "page2"}), encoding="utf-8"
    )
    (base.parent / "instances.page2.json").write_text(
        json.dumps({"items": [_pg("b", [{"name": "log_statement", "value": "DDL"}])]}),
        encoding="utf-8",
    )
    got, requests = scan_estate(estate_copy)
    found = {r.name: r for r in got.inventory.of_type(sql.INSTANCE, "prod-app")}
    assert sorted(found) == ["a", "b"]
    asked = [
        r.query.get("pageToken")
        for r in requests
        if r.host == sql.HOST and r.path == "/v1/projects/prod-app/instances"
    ]
    assert asked == [None, "page2"]
    # No databaseFlags at all: {} and every CIS flag on its default.
    assert found["a"].attrs["flags"] == {}
    assert {f["origin"] for f in found["a"].attrs["log_flags"]} == {sql.DEFAULTED}
    statement = next(f for f in found["b"].attrs["log_flags"] if f["flag"] == "log_statement")
    assert statement == {"flag": "log_statement", "value": "ddl", "origin": sql.SET}
    assert found["a"].evidence != found["b"].evidence


def test_a_failing_second_page_errs_rather_than_shortens(estate_copy: Path) -> None:
    base = estate_copy / INSTANCES.format("prod-data")
    first = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
    base.with_suffix(".json").write_text(json.dumps({**first, "nextPageToken": "page2"}))
    path = "/v1/projects/prod-data/instances"
    got, _ = scan_estate(estate_copy, [fault(sql.HOST, path, 500, "page2")])
    assert got.inventory.of_type(sql.INSTANCE, "prod-data") == []
    assert errors(got, lambda e: e.account == "prod-data") == [
        ("prod-data", "instances.list", "INTERNAL", (sql.INSTANCE,), None)
    ]


def test_access_denied_is_an_error_not_an_empty_project(estate_copy: Path) -> None:
    path = "/v1/projects/prod-data/instances"
    got, _ = scan_estate(estate_copy, [fault(sql.HOST, path, 403)])
    assert got.inventory.of_type(sql.INSTANCE, "prod-data") == []
    assert errors(got, lambda e: e.account == "prod-data") == [
        ("prod-data", "instances.list", "PERMISSION_DENIED", (sql.INSTANCE,), None)
    ]


def test_the_fake_answers_the_real_client(tmp_path: Path) -> None:
    write(tmp_path, sql.HOST, "v1/projects/p/instances", {"items": [_pg("x")]})
    write(
        tmp_path,
        sql.HOST,
        "v1/projects/q/instances",
        {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}},
    )
    with fake_grpc.serve(tmp_path) as served:
        sqladmin = client(sqladmin_v1.SqlInstancesServiceClient, served.address)
        # The generated ListPager iterates over each page's `warnings`, not its `items`
        # (google-cloud-sql 0.1.2): the collector reads `.pages`, never the pager itself.
        assert list(sqladmin.list(request={"project": "p"})) == []
        (page,) = list(sqladmin.list(request={"project": "p"}).pages)
        (instance,) = page.items
        assert instance.name == "x" and instance.database_version.name == "POSTGRES_15"
        with pytest.raises(exceptions.PermissionDenied):
            list(sqladmin.list(request={"project": "q"}))
    listed = "/google.cloud.sql.v1.SqlInstancesService/List"
    assert [c[:2] for c in served.calls] == [
        (listed, "v1/projects/p/instances"),
        (listed, "v1/projects/p/instances"),
        (listed, "v1/projects/q/instances"),
    ]


@pytest.mark.parametrize(
    ("version", "engine"),
    [
        ("POSTGRES_9_6", "postgres"),
        ("POSTGRES_17", "postgres"),
        ("MYSQL_8_0", "mysql"),
        ("SQLSERVER_2019_STANDARD", "sqlserver"),
        ("SQL_DATABASE_VERSION_UNSPECIFIED", "other"),
        # A prefix match, not a substring: the engine is named first.
        ("MYSQL_POSTGRES", "mysql"),
        ("", "other"),
    ],
)
def test_engine_of(version: str, engine: str) -> None:
    assert sql.engine_of(version) == engine


@pytest.mark.parametrize(
    ("flag", "raw", "value"),
    [
        # Booleans in every spelling PostgreSQL accepts; anything else is kept, never "on".
        ("log_connections", "ON", "on"),
        ("log_connections", "true", "on"),
        ("log_connections", "1", "on"),
        ("log_connections", "off", "off"),
        ("log_connections", "0", "off"),
        ("log_connections", "enabled", "enabled"),
        ("cloudsql.enable_pgaudit", "Yes", "on"),
        # Enums are case-insensitive.
        ("log_statement", " DDL ", "ddl"),
        ("log_min_messages", "WARNING", "warning"),
        # Integers unpadded: -01 is the -1 that disables duration logging; 0 logs everything.
        ("log_min_duration_statement", "-01", "-1"),
        ("log_min_duration_statement", "0", "0"),
        ("log_min_duration_statement", "1s", "1s"),
    ],
)
def test_normalize(flag: str, raw: str, value: str) -> None:
    assert sql.normalize(flag, raw) == value


def test_effective_flags_name_the_default() -> None:
    flags = sql.effective_flags({"log_connections": "on"}, sql.LOG_DEFAULTS)
    assert isinstance(flags, list)
    assert [f["flag"] for f in flags] == [name for name, _ in sql.LOG_DEFAULTS]
    assert flags[1] == {"flag": "log_connections", "value": "on", "origin": sql.SET}
    assert flags[3] == {"flag": "log_statement", "value": "none", "origin": sql.DEFAULTED}
    # A flag set to its default value is still "set" (the finding says where it came from).
    again = sql.effective_flags({"log_statement": "none"}, sql.LOG_DEFAULTS)
    assert isinstance(again, list) and again[3]["origin"] == sql.SET


def test_effective_flags_keep_unknowns() -> None:
    unknown = Unknowable("known after apply")
    assert sql.effective_flags(unknown, sql.LOG_DEFAULTS) is unknown
    one = sql.effective_flags({"log_statement": unknown}, sql.LOG_DEFAULTS)
    assert isinstance(one, list) and one[3] == Unknowable("log_statement: known after apply")
    assert one[0]["origin"] == sql.DEFAULTED


def test_instance_attrs_of_a_bare_answer() -> None:
    attrs = sql.instance_attrs({"name": "n", "databaseFlags": [], "settings": {}})
    assert attrs["database_version"] == "SQL_DATABASE_VERSION_UNSPECIFIED"
    assert attrs["engine"] == "other"
    assert attrs["state"] == "SQL_INSTANCE_STATE_UNSPECIFIED"
    assert (attrs["flags"], attrs["log_flags"], attrs["pgaudit_flags"]) == ({}, [], [])
    settings = {"databaseFlags": [{"name": "s"}]}
    switch = sql.instance_attrs({"name": "m", "databaseVersion": "MYSQL_8_0", "settings": settings})
    assert switch["flags"] == {"s": ""}
