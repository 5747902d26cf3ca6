"""Event selector normalization: basic and advanced selectors judged alike."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.providers.aws.cloudtrail import normalize_selectors

MGMT = {"Field": "eventCategory", "Equals": ["Management"]}
S3_DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
]


def adv(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"Name": "s", "FieldSelectors": list(fields)}


@pytest.mark.parametrize(
    ("basic", "advanced", "custom", "read", "write", "excluded"),
    [
        pytest.param(None, None, False, True, True, [], id="no-custom-selectors-logs-all"),
        pytest.param(None, None, True, False, False, [], id="custom-but-empty-logs-nothing"),
        pytest.param(
            [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}],
            None,
            True,
            False,
            True,
            [],
            id="basic-write-only",
        ),
        pytest.param(
            [{"ReadWriteType": "All", "IncludeManagementEvents": False}],
            None,
            True,
            False,
            False,
            [],
            id="basic-management-off",
        ),
        pytest.param(None, [adv(MGMT)], True, True, True, [], id="advanced-all-management"),
        pytest.param(
            None,
            [adv(MGMT, {"Field": "readOnly", "Equals": ["true"]})],
            True,
            True,
            False,
            [],
            id="advanced-read-only",
        ),
        pytest.param(
            None,
            [
                adv(MGMT, {"Field": "readOnly", "Equals": ["true"]}),
                adv(MGMT, {"Field": "readOnly", "Equals": ["false"]}),
            ],
            True,
            True,
            True,
            [],
            id="advanced-read-plus-write",
        ),
        pytest.param(
            None,
            [adv(MGMT, {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]})],
            True,
            True,
            True,
            ["kms.amazonaws.com"],
            id="advanced-excludes-kms",
        ),
        pytest.param(
            None,
            [adv(MGMT), adv(MGMT, {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]})],
            True,
            True,
            True,
            [],
            id="exclusion-overridden-by-another-selector",
        ),
        pytest.param(
            None,
            [adv(MGMT, {"Field": "eventSource", "Equals": ["iam.amazonaws.com"]})],
            True,
            False,
            False,
            [],
            id="only-one-source-is-not-all",
        ),
    ],
)
def test_management_events(
    basic: Any, advanced: Any, custom: bool, read: bool, write: bool, excluded: list[str]
) -> None:
    got = normalize_selectors(basic, advanced, custom)["management_events"]
    assert (got["read"], got["write"], got["excluded_sources"]) == (read, write, excluded)


@pytest.mark.parametrize(
    ("basic", "advanced", "read_all", "write_all", "write_buckets"),
    [
        pytest.param(
            [
                {
                    "ReadWriteType": "All",
                    "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
                }
            ],
            None,
            True,
            True,
            [],
            id="basic-all-buckets",
        ),
        pytest.param(
            [
                {
                    "ReadWriteType": "WriteOnly",
                    "DataResources": [
                        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::logs/"]}
                    ],
                }
            ],
            None,
            False,
            False,
            ["logs"],
            id="basic-one-bucket",
        ),
        pytest.param(None, [adv(*S3_DATA)], True, True, [], id="advanced-all-objects"),
        pytest.param(
            None,
            [adv(*S3_DATA, {"Field": "readOnly", "Equals": ["false"]})],
            False,
            True,
            [],
            id="advanced-writes",
        ),
        pytest.param(
            None,
            [adv(*S3_DATA, {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::audit/"]})],
            False,
            False,
            ["audit"],
            id="advanced-one-bucket",
        ),
        pytest.param(
            None,
            [
                adv(
                    *S3_DATA,
                    {
                        "Field": "resources.ARN",
                        "StartsWith": ["arn:aws:s3:::"],
                        "NotStartsWith": ["arn:aws:s3:::noisy/"],
                    },
                )
            ],
            False,
            False,
            [],
            id="all-but-one-bucket-is-not-all",
        ),
        pytest.param(
            None,
            [adv(*S3_DATA, {"Field": "eventName", "Equals": ["PutObject"]})],
            False,
            False,
            [],
            id="some-event-names-is-not-all",
        ),
    ],
)
def test_s3_data_events(
    basic: Any, advanced: Any, read_all: bool, write_all: bool, write_buckets: list[str]
) -> None:
    got = normalize_selectors(basic, advanced, True)["s3_data_events"]
    assert (got["read_all_buckets"], got["write_all_buckets"], got["write_buckets"]) == (
        read_all,
        write_all,
        write_buckets,
    )
