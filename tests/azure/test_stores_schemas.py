"""Every store resource the modules collect follows its type's JSON Schema: the golden tenant,
and the shapes failures leave (a store read by id that answered 403, a failed container list,
a failed policy read), so an unknowable value is always where a schema allows it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pytest

from scanner.model import Resource, _jsonable
from scanner.providers import schema_files
from scanner.providers.azure import keyvault, loganalytics, storage
from tests.azure.stores_scan import SUB1, fault, golden, scan_tenant

TYPES = (
    storage.ACCOUNT,
    storage.CONTAINER,
    loganalytics.WORKSPACE,
    loganalytics.TABLE,
    keyvault.VAULT,
)
ARCHIVE = (
    f"/subscriptions/{SUB1}/resourceGroups/rg-audit/providers/Microsoft.Storage/"
    "storageAccounts/lwauditarchive"
)


@cache
def _validator(rtype: str) -> Any:
    schema = json.loads(schema_files()[rtype].read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _errors(resources: list[Resource]) -> list[str]:
    found = []
    for r in resources:
        if r.type not in TYPES or r.placeholder is not None:
            continue
        for e in _validator(r.type).iter_errors({"attrs": _jsonable(r.attrs)}):
            found.append(f"{r.type} {r.name}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    return found


def test_the_golden_stores_follow_their_schemas() -> None:
    got, _ = golden()
    resources = list(got.inventory)
    assert {r.type for r in resources} >= set(TYPES)
    assert _errors(resources) == []


@pytest.mark.parametrize(
    "path",
    [
        f"{ARCHIVE}/blobServices/default/containers",
        f"{ARCHIVE}/blobServices/default",
        f"{ARCHIVE}/blobServices/default/containers/insights-logs-auditevent/immutabilityPolicies/default",
        f"/subscriptions/{SUB1}/providers/Microsoft.Authorization/locks",
    ],
)
def test_what_a_failure_leaves_follows_the_schemas(path: str) -> None:
    got, _ = scan_tenant(overrides=[fault(path, 403, "AuthorizationFailed")])
    assert _errors(list(got.inventory)) == []
