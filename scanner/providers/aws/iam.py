"""IAM: one paginated GetAccountAuthorizationDetails gives every principal and policy."""

from __future__ import annotations

from typing import Any

from scanner.model import EvidenceRef, Resource
from scanner.providers.aws.analysis.iam import principals_from_authorization_details
from scanner.providers.aws.calls import AwsApi
from scanner.providers.aws.common import Scope, make
from scanner.providers.aws.declare import Found, Lister, Service, call

PRINCIPAL = "aws.iam.principal"
POLICY = "aws.iam.policy"


def collect(
    api: AwsApi, scope: Scope
) -> tuple[dict[str, Any], tuple[EvidenceRef, ...], list[Resource]]:
    """The merged authorization details, their evidence, and principal/policy resources."""
    response = api.paginate("iam", scope.home_region, "GetAccountAuthorizationDetails")
    details = response.data
    page_of = {
        e["Arn"]: response.ref_for(e)
        for key in ("UserDetailList", "RoleDetailList")
        for e in details.get(key, [])
    }
    out: list[Resource] = []
    for policy in details.get("Policies", []):
        default = next(
            (v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None
        )
        # moto omits PolicyName; the ARN ends with it in every partition.
        name = policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1]
        out.append(
            make(
                scope,
                POLICY,
                policy["Arn"],
                name,
                "global",
                {
                    "name": name,
                    "path": policy.get("Path", "/"),
                    "default_version": policy.get("DefaultVersionId"),
                    "attachment_count": policy.get("AttachmentCount"),
                    "document": _document(default.get("Document")) if default else None,
                },
                response.ref_for(policy),
            )
        )
    for principal in principals_from_authorization_details(details):
        out.append(
            make(
                scope,
                PRINCIPAL,
                principal.arn,
                principal.name,
                "global",
                {
                    "name": principal.name,
                    "kind": principal.kind,
                    "permissions_boundary": principal.permissions_boundary,
                    "policy_sources": sorted({s.source for s in principal.statements}),
                },
                page_of.get(principal.arn, response.evidence),
            )
        )
    return details, response.evidence, out


def _document(raw: Any) -> Any:
    from scanner.providers.aws.analysis.iam import load_policy_document

    return dict(load_policy_document(raw, "policy version")) if raw is not None else None


def _iam(api: AwsApi, scope: Scope, _region: str) -> Found:
    details, refs, resources = collect(api, scope)
    return Found(
        resources=resources,
        account={"iam_authorization_details": details},
        account_evidence=list(refs),
    )


SERVICE = Service(
    "iam",
    listers=(
        Lister(
            "iam",
            "global",
            (PRINCIPAL, POLICY),
            (call("iam", "GetAccountAuthorizationDetails"),),
            _iam,
            account_attrs=("iam_authorization_details",),
        ),
    ),
)
