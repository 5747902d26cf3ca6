"""The OAuth scope the scan's credentials request is one that every API it calls accepts.

A token without an accepted scope is refused (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT) whatever
IAM grants, and the fakes check no scope, so this is pinned against the GAPIC clients' own
`AUTH_SCOPES`: the OAuth scopes each service's configuration lists for its methods (e.g.
Cloud SQL Admin: cloud-platform or sqlservice.admin, not cloud-platform.read-only;
Cloud KMS: cloud-platform or cloudkms)."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.providers.gcp.clients import SCOPES


def _gapic() -> list[Any]:
    from google.cloud import (
        compute_v1,
        iam_admin_v1,
        kms_v1,
        monitoring_v3,
        resourcemanager_v3,
        service_usage_v1,
        sqladmin_v1,
    )

    return [
        sqladmin_v1.SqlInstancesServiceClient,
        kms_v1.KeyManagementServiceClient,
        monitoring_v3.AlertPolicyServiceClient,
        monitoring_v3.NotificationChannelServiceClient,
        iam_admin_v1.IAMClient,
        compute_v1.SubnetworksClient,
        compute_v1.NetworksClient,
        compute_v1.BackendServicesClient,
        service_usage_v1.ServiceUsageClient,
        resourcemanager_v3.ProjectsClient,
        resourcemanager_v3.FoldersClient,
        resourcemanager_v3.OrganizationsClient,
    ]


@pytest.mark.parametrize("client", _gapic(), ids=lambda c: c.__name__)
def test_the_requested_scope_is_accepted_by_every_gapic_api(client: Any) -> None:
    accepted = set(client.get_transport_class().AUTH_SCOPES)
    assert accepted & set(SCOPES), (client.__name__, sorted(accepted))


def test_the_read_only_scope_alone_would_not_do() -> None:
    # The boundary: cloud-platform.read-only is refused by Cloud SQL Admin, KMS, Monitoring
    # and IAM, which is why the scan asks for cloud-platform (read-only is the IAM role's job).
    read_only = {"https://www.googleapis.com/auth/cloud-platform.read-only"}
    refused = [
        c.__name__ for c in _gapic() if not set(c.get_transport_class().AUTH_SCOPES) & read_only
    ]
    assert {"SqlInstancesServiceClient", "KeyManagementServiceClient", "IAMClient"} <= set(refused)
