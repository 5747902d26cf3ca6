"""Cloud DNS server policies: which VPC networks have DNS query logging (CIS 2.12).

google-cloud-dns's `Client` (0.37) knows managed zones only, no policies, and there is no
GAPIC DNS client. So `policies.list` goes through the client's own authorized JSON connection
(`Client._connection.api_request`): the same credentials, endpoint override, user agent and
error mapping (HTTP status -> google.api_core exception) as every other call of that client,
to the documented REST resource (cloud.google.com/dns/docs/reference/rest/v1/policies/list).
`_connection` is underscored but is the seam all google-cloud-* handwritten clients share
(gcp-core reads Cloud Logging through the same one); a hand-built HTTP session would have to
re-implement the auth refresh and error mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.base import Call

if TYPE_CHECKING:
    from google.cloud.dns import Client

HOST = "dns.googleapis.com"
POLICY = "gcp.dns.policy"

LIST_POLICIES = Call(HOST, "policies.list", "dns.policies.list")
CALLS = (LIST_POLICIES,)


def list_policies(client: Client, project: str) -> Iterator[dict[str, Any]]:
    """Every page of `policies.list` of one project (the REST JSON; follows nextPageToken)."""
    token: str | None = None
    while True:
        query = {"pageToken": token} if token else None
        page: dict[str, Any] = client._connection.api_request(
            method="GET", path=f"/projects/{project}/policies", query_params=query
        )
        yield page
        token = page.get("nextPageToken")
        if not token:
            return


def policy_attrs(raw: dict[str, Any]) -> dict[str, Any]:
    """The contract attributes of one DNS Policy (REST JSON)."""
    return {
        "name": raw["name"],
        "enable_logging": bool(raw.get("enableLogging", False)),
        "networks": [n["networkUrl"] for n in raw.get("networks", []) if n.get("networkUrl")],
    }


def policies(
    project: str, page: dict[str, Any], evidence: tuple[EvidenceRef, ...] = ()
) -> list[Resource]:
    """The gcp.dns.policy resources of one page."""
    found = []
    for raw in page.get("policies", []):
        attrs = policy_attrs(raw)
        found.append(
            Resource(
                provider="gcp",
                account=project,
                region="global",
                type=POLICY,
                id=f"//{HOST}/projects/{project}/policies/{attrs['name']}",
                name=attrs["name"],
                attrs=attrs,
                evidence=evidence,
            )
        )
    return found
