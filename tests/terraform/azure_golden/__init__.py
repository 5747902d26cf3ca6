"""The Terraform plan of the golden Azure tenant (tests/azure/golden/README.md), in the shape
`terraform show -json` writes for a plan (format_version 1.2): the applied tenant re-planned
with azurerm 4.x, so every change is a no-op and the prior state holds every resource.

The resources are written here once, as a table, and the JSON
(tests/terraform/fixtures/azure/golden-plan.json) is generated from it:
`python -m tests.terraform.azure_golden` rewrites it, and a test fails when the two
differ. Each value is what the provider reads back into state (ids in the case ARM returns
them); each argument that names another resource of the configuration is a reference in
`configuration`, as Terraform records `azurerm_storage_account.archive.id`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.terraform.azure_golden.base import PROVIDERS, TENANT, R
from tests.terraform.azure_golden.network import authorization, networks
from tests.terraform.azure_golden.tenant import (
    logging_subscription,
    production_subscription,
    shared_subscription,
)

OUT = Path(__file__).parents[1] / "fixtures" / "azure" / "golden-plan.json"


def resources() -> list[R]:
    """Every resource of the golden configuration."""
    return [
        *logging_subscription(),
        *production_subscription(),
        *shared_subscription(),
        *networks(),
        *authorization(),
    ]


def _expressions(res: R) -> dict[str, Any]:
    """The configuration expressions: a reference where the argument names a resource, a
    constant otherwise (computed attributes are not in configuration)."""
    computed = {"id", "resource_manager_id", "url", "has_immutability_policy", "has_legal_hold"}
    computed.update(res.computed)
    out: dict[str, Any] = {}
    for key, value in res.values.items():
        if key in computed or value is None or value == [] or value == {}:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [
                {
                    k: {"constant_value": v}
                    for k, v in item.items()
                    if v not in (None, "", []) and not isinstance(v, list | dict)
                }
                for item in value
            ]
        else:
            out[key] = {"constant_value": value}
    for path, target in res.refs.items():
        ref = {"references": [f"{target}.id", target]}
        parts = path.split(".")
        if len(parts) == 1:
            out[parts[0]] = ref
        else:
            block, index, arg = parts[0], int(parts[1]), parts[2]
            out.setdefault(block, [{}])
            out[block][index][arg] = ref
    return out


def plan() -> dict[str, Any]:
    """The `terraform show -json` document of the golden plan."""
    found = resources()
    state = []
    changes = []
    config = []
    assert len({r.address for r in found}) == len(found), "addresses are unique"
    for res in found:
        provider_name = "registry.terraform.io/hashicorp/azurerm"
        state.append(
            {
                "address": res.address,
                "mode": "managed",
                "type": res.type,
                "name": res.name,
                "provider_name": provider_name,
                "schema_version": 0,
                "values": res.values,
                "sensitive_values": {},
            }
        )
        changes.append(
            {
                "address": res.address,
                "mode": "managed",
                "type": res.type,
                "name": res.name,
                "provider_name": provider_name,
                "change": {
                    "actions": ["no-op"],
                    "before": res.values,
                    "after": res.values,
                    "after_unknown": {},
                    "before_sensitive": {},
                    "after_sensitive": {},
                },
            }
        )
        config.append(
            {
                "address": res.address,
                "mode": "managed",
                "type": res.type,
                "name": res.name,
                "provider_config_key": res.provider,
                "expressions": _expressions(res),
                "schema_version": 0,
            }
        )
    providers = {
        key: {
            "name": "azurerm",
            "full_name": "registry.terraform.io/hashicorp/azurerm",
            "version_constraint": "~> 4.50",
            **({"alias": key.split(".", 1)[1]} if "." in key else {}),
            "expressions": {
                "subscription_id": {"constant_value": sub},
                "tenant_id": {"constant_value": TENANT},
                "features": [{}],
            },
        }
        for key, sub in PROVIDERS.items()
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": [dict(s) for s in state]}},
        "resource_changes": changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.9.5",
            "values": {"root_module": {"resources": state}},
        },
        "configuration": {
            "provider_config": providers,
            "root_module": {"resources": config},
        },
        "timestamp": "2026-12-01T09:00:00Z",
        "applyable": False,
        "complete": True,
        "errored": False,
    }


def render() -> str:
    """The golden plan as written to disk."""
    return json.dumps(plan(), indent=1, sort_keys=False) + "\n"
