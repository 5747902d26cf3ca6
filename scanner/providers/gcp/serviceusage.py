"""Service Usage: is the Cloud Asset API enabled in each project (CIS 2.13)?

One `services.get` per project through the GAPIC client's REST transport, named by project
NUMBER as the reference documents (`projects/123/services/cloudasset.googleapis.com`,
cloud.google.com/service-usage/docs/reference/rest/v1/services/get). The answer becomes the
project attribute `cloudasset_enabled`; a failed get makes it Unknowable(error=True).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.model import Unknowable
from scanner.providers.base import Call
from scanner.providers.gcp.protojson import rest_json

if TYPE_CHECKING:
    from google.cloud.service_usage_v1 import ServiceUsageClient

HOST = "serviceusage.googleapis.com"
SERVICE = "cloudasset.googleapis.com"
ATTR = "cloudasset_enabled"

GET_SERVICE = Call(HOST, "services.get", "serviceusage.services.get")
CALLS = (GET_SERVICE,)


def get_service(client: ServiceUsageClient, project_number: str) -> dict[str, Any]:
    """`services.get` of the Cloud Asset API in one project, as REST JSON."""
    name = f"projects/{project_number}/services/{SERVICE}"
    return rest_json(client.get_service(request={"name": name}))


def enabled(raw: dict[str, Any]) -> bool | Unknowable:
    """ENABLED -> True, DISABLED -> False. STATE_UNSPECIFIED (the enum's zero, absent from the
    JSON) is documented as "unspecified or not meaningful", so it is unknown, not false."""
    state = raw.get("state", "STATE_UNSPECIFIED")
    if state == "ENABLED":
        return True
    if state == "DISABLED":
        return False
    return Unknowable(f"Service Usage reports {SERVICE} in state {state} for {raw.get('parent')}")


def project_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The project attributes this service contributes."""
    return {ATTR: enabled(raw)}
