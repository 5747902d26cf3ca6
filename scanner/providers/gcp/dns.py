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

from collections.abc import Mapping
from functools import partial
from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.base import Call
from scanner.providers.gcp.api import READ_TIMEOUT, GcpApi, items, json_pages
from scanner.providers.gcp.declare import Found, Lister, Node, Scope, Service
from scanner.providers.gcp.names import full_name

HOST = "dns.googleapis.com"
POLICY = "gcp.dns.policy"

LIST_POLICIES = Call("dns", "policies.list", "dns.policies.list")


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
                id=full_name(HOST, f"projects/{project}/policies/{attrs['name']}"),
                name=attrs["name"],
                attrs=attrs,
                evidence=evidence,
            )
        )
    return found


def _policies(api: GcpApi, scope: Scope, node: Node) -> Found:
    from google.cloud import dns

    project = node.account
    connection = api.clients.handwritten(HOST, dns.Client)._connection
    path = f"/projects/{project}/policies"

    def fetch(retry: Any) -> Any:
        def request(query: Mapping[str, str]) -> Any:
            # The JSON connection takes no retry argument: the gateway's Retry wraps it.
            return retry(connection.api_request)(
                method="GET", path=path, query_params=dict(query), timeout=READ_TIMEOUT
            )

        return json_pages(request, {})

    found: list[Resource] = []
    for page in api.pages(LIST_POLICIES, project, fetch, {"project": project}, target=node.name):
        items(api, LIST_POLICIES, project, page, "policies")
        data = dict(page.data)
        found.extend(
            api.shaped(LIST_POLICIES, project, partial(policies, project, data, (page.ref,)))
        )
    return Found(resources=found)


SERVICE = Service(
    name="dns",
    listers=(Lister("DNS policies", "project", (POLICY,), (LIST_POLICIES,), _policies),),
)
