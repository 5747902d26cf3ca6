"""Service Usage: is the Cloud Asset API enabled in each project (CIS 2.13)?

One `services.get` per project through the GAPIC client's REST transport, named by project
NUMBER as the reference documents (`projects/123/services/cloudasset.googleapis.com`,
cloud.google.com/service-usage/docs/reference/rest/v1/services/get). The answer becomes the
project attribute `cloudasset_enabled`; a failed get makes it Unknowable(error=True).
"""

from __future__ import annotations

from typing import Any

from scanner.model import Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi
from scanner.providers.gcp.declare import Found, Lister, Node, Scope, Service

HOST = "serviceusage.googleapis.com"
CLOUD_ASSET = "cloudasset.googleapis.com"
ATTR = "cloudasset_enabled"

GET_SERVICE = Call("serviceusage", "services.get", "serviceusage.services.get")


def enabled(raw: dict[str, Any]) -> bool | Unknowable:
    """ENABLED -> True, DISABLED -> False. STATE_UNSPECIFIED (the enum's zero, absent from the
    JSON) is documented as "unspecified or not meaningful", so it is unknown, not false."""
    state = raw.get("state", "STATE_UNSPECIFIED")
    if state == "ENABLED":
        return True
    if state == "DISABLED":
        return False
    return Unknowable(
        f"Service Usage reports {CLOUD_ASSET} in state {state} for {raw.get('parent')}"
    )


def project_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The project attributes this service contributes."""
    return {ATTR: enabled(raw)}


def _cloud_asset(api: GcpApi, scope: Scope, node: Node) -> Found:
    from google.cloud import service_usage_v1

    client = api.clients.gapic(HOST, service_usage_v1.ServiceUsageClient)
    # By number, as documented; a project whose number is unknown is asked by ID, which
    # the API accepts as well.
    name = f"projects/{node.project_number or node.account}/services/{CLOUD_ASSET}"
    page = api.call(
        GET_SERVICE,
        node.account,
        lambda retry: client.get_service(request={"name": name}, retry=retry, timeout=READ_TIMEOUT),
        {"name": name},
        target=name,
    )
    return Found(
        node_attrs={
            node.name: api.shaped(GET_SERVICE, node.account, lambda: project_attrs(dict(page.data)))
        },
        node_evidence={node.name: [page.ref]},
    )


SERVICE = Service(
    name="serviceusage",
    listers=(
        Lister("Cloud Asset API state", "project", (), (GET_SERVICE,), _cloud_asset, attrs=(ATTR,)),
    ),
)
