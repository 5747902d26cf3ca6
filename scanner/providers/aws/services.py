"""The AWS service modules logward collects from: one explicit list. Everything else (the
task list, what a failed call leaves uncollected, the regional types, the IAM policy of
`logward permissions aws`) is derived from their declarations."""

from __future__ import annotations

from scanner.providers.aws import (
    account,
    alarms,
    cloudtrail,
    config_recorder,
    ec2,
    iam,
    kms,
    logs,
    s3,
)
from scanner.providers.aws.declare import Service, permissions

SERVICES: tuple[Service, ...] = (
    account.SERVICE,
    iam.SERVICE,
    s3.SERVICE,
    cloudtrail.SERVICE,
    logs.SERVICE,
    alarms.SERVICE,
    config_recorder.SERVICE,
    ec2.SERVICE,
    kms.SERVICE,
)
# (service, operation) -> IAM action of every declared call.
PERMISSIONS: dict[tuple[str, str], str] = permissions(SERVICES)
