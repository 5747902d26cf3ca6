"""Event selector normalization: basic and advanced selectors judged alike, per direction.

Each table holds the case that was judged wrong, the sibling that must stay as it is, and the
boundary between them. The rules come from the CloudTrail API Reference (EventSelector,
DataResource, AdvancedEventSelector, AdvancedFieldSelector) and the S3 User Guide's list of
object-level actions logged as data events (cloudtrail-logging-s3-info).
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner.model import Unknowable
from scanner.providers.aws.cloudtrail import normalize_selectors
from scanner.providers.aws.selectors import S3_OBJECT_EVENTS, matches
from scanner.providers.aws.terraform.types import _trail_selectors

MGMT = {"Field": "eventCategory", "Equals": ["Management"]}
S3_DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
]
READS = sorted(n for n, d in S3_OBJECT_EVENTS.items() if d == "read")
WRITES = sorted(n for n, d in S3_OBJECT_EVENTS.items() if d == "write")
KMS, RDS = "kms.amazonaws.com", "rdsdata.amazonaws.com"


def adv(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"Name": "s", "FieldSelectors": list(fields)}


def s3(*fields: dict[str, Any]) -> dict[str, Any]:
    return adv(*S3_DATA, *fields)


def basic(rw: str = "All", mgmt: bool = True, exclude: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"ReadWriteType": rw, "IncludeManagementEvents": mgmt}
    if exclude:
        out["ExcludeManagementEventSources"] = exclude
    return out


def objects(rw: str, *values: str) -> dict[str, Any]:
    return {
        "ReadWriteType": rw,
        "IncludeManagementEvents": False,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": list(values)}],
    }


def field(name: str, **ops: list[str]) -> dict[str, Any]:
    return {"Field": name, **ops}


def read_only(*values: str) -> dict[str, Any]:
    return field("readOnly", Equals=list(values))


# --------------------------------------------------------------------------------------------
# Management events
# --------------------------------------------------------------------------------------------

Mgmt = tuple[bool, bool, list[str], list[str]]  # read, write, read lost, write lost


@pytest.mark.parametrize(
    ("basic_sel", "advanced", "custom", "want"),
    [
        pytest.param(None, None, False, (True, True, [], []), id="no-custom-selectors-logs-all"),
        pytest.param(None, None, True, (False, False, [], []), id="custom-but-empty-logs-nothing"),
        pytest.param([basic("WriteOnly")], None, True, (False, True, [], []), id="basic-write"),
        pytest.param([basic("All", False)], None, True, (False, False, [], []), id="basic-off"),
        # Issue 16 point 1: All excluding KMS plus ReadOnly without exclusion loses KMS writes.
        pytest.param(
            [basic("All", exclude=[KMS]), basic("ReadOnly")],
            None,
            True,
            (True, True, [], [KMS]),
            id="basic-all-minus-kms-plus-reads-loses-kms-writes",
        ),
        pytest.param(
            [basic("All", exclude=[KMS]), basic("WriteOnly")],
            None,
            True,
            (True, True, [KMS], []),
            id="basic-all-minus-kms-plus-writes-loses-kms-reads",
        ),
        pytest.param(
            [basic("All", exclude=[KMS]), basic("All")],
            None,
            True,
            (True, True, [], []),
            id="basic-exclusion-covered-in-both-directions",
        ),
        pytest.param(
            [basic("ReadOnly", exclude=[KMS]), basic("WriteOnly", exclude=[RDS])],
            None,
            True,
            (True, True, [KMS], [RDS]),
            id="basic-each-direction-its-own-exclusion",
        ),
        pytest.param(
            [basic("All", exclude=[KMS, RDS]), basic("All", exclude=[KMS])],
            None,
            True,
            (True, True, [KMS], [KMS]),
            id="basic-exclusions-intersected",
        ),
        pytest.param(
            [basic("All", False, exclude=[KMS]), basic("All")],
            None,
            True,
            (True, True, [], []),
            id="basic-exclusion-of-a-selector-without-management-events-is-moot",
        ),
        pytest.param(None, [adv(MGMT)], True, (True, True, [], []), id="advanced-all"),
        pytest.param(
            None, [adv(MGMT, read_only("true"))], True, (True, False, [], []), id="advanced-read"
        ),
        pytest.param(
            None,
            [adv(MGMT, read_only("true", "false"))],
            True,
            (True, True, [], []),
            id="advanced-readonly-both-values-is-both",
        ),
        pytest.param(
            None,
            [adv(MGMT, read_only("true")), adv(MGMT, read_only("false"))],
            True,
            (True, True, [], []),
            id="advanced-read-plus-write",
        ),
        pytest.param(
            None,
            [adv(MGMT, field("eventSource", NotEquals=[KMS]))],
            True,
            (True, True, [KMS], [KMS]),
            id="advanced-excludes-kms",
        ),
        # Issue 16 point 1, advanced form.
        pytest.param(
            None,
            [adv(MGMT, field("eventSource", NotEquals=[KMS])), adv(MGMT, read_only("true"))],
            True,
            (True, True, [], [KMS]),
            id="advanced-all-minus-kms-plus-reads-loses-kms-writes",
        ),
        pytest.param(
            None,
            [adv(MGMT, field("eventSource", NotEquals=[KMS])), adv(MGMT)],
            True,
            (True, True, [], []),
            id="advanced-exclusion-overridden-by-another-selector",
        ),
        pytest.param(
            None,
            [
                adv(MGMT, read_only("false"), field("eventSource", NotEquals=[KMS])),
                adv(MGMT, read_only("false"), field("eventSource", Equals=[KMS])),
            ],
            True,
            (False, True, [], []),
            id="advanced-excluded-source-covered-by-a-source-selector",
        ),
        pytest.param(
            None,
            [adv(MGMT, field("eventSource", Equals=["iam.amazonaws.com"]))],
            True,
            (False, False, [], []),
            id="advanced-only-one-source-is-not-all",
        ),
        pytest.param(
            None,
            [adv(MGMT, field("eventSource", NotStartsWith=["kms"]))],
            True,
            (True, True, ["NotStartsWith kms"], ["NotStartsWith kms"]),
            id="advanced-pattern-exclusion-kept-as-a-loss",
        ),
        pytest.param(
            None,
            [adv(MGMT, field("userIdentity.arn", NotStartsWith=["arn:aws:iam::1:role/ci"]))],
            True,
            (False, False, [], []),
            id="advanced-caller-filter-is-not-all",
        ),
        pytest.param(
            None,
            [adv(read_only("false"))],
            True,
            (False, False, [], []),
            id="advanced-without-event-category-counts-for-nothing",
        ),
        pytest.param(
            None,
            [adv(field("eventCategory", Equals=["NetworkActivity"]))],
            True,
            (False, False, [], []),
            id="advanced-network-activity-is-not-management",
        ),
        pytest.param(
            None,
            [adv(MGMT, read_only("true"), read_only("false"))],
            True,
            (False, False, [], []),
            id="advanced-field-given-twice-is-not-credited",
        ),
        pytest.param(
            [basic("All", exclude=[KMS])],
            [adv(MGMT)],
            True,
            (True, True, [], []),
            id="advanced-replace-basic",
        ),
    ],
)
def test_management_events(basic_sel: Any, advanced: Any, custom: bool, want: Mgmt) -> None:
    got = normalize_selectors(basic_sel, advanced, custom)["management_events"]
    read, write, read_lost, write_lost = want
    assert got == {
        "read": read,
        "write": write,
        "excluded_sources": sorted({*read_lost, *write_lost}),
        "read_excluded_sources": read_lost,
        "write_excluded_sources": write_lost,
    }


# --------------------------------------------------------------------------------------------
# S3 object data events
# --------------------------------------------------------------------------------------------

Data = tuple[list[str], list[str]]  # read events missing, write events missing
ALL: Data = ([], [])
NONE: Data = (READS, WRITES)


@pytest.mark.parametrize(
    ("basic_sel", "advanced", "partition", "want"),
    [
        pytest.param([objects("All", "arn:aws:s3")], None, "aws", ALL, id="basic-arn-aws-s3"),
        pytest.param([objects("All", "arn:aws:s3:::")], None, "aws", ALL, id="basic-s3-colons"),
        pytest.param(
            [objects("ReadOnly", "arn:aws:s3")], None, "aws", ([], WRITES), id="basic-reads"
        ),
        pytest.param(
            [objects("ReadOnly", "arn:aws:s3"), objects("WriteOnly", "arn:aws:s3")],
            None,
            "aws",
            ALL,
            id="basic-reads-plus-writes",
        ),
        pytest.param(
            [objects("All", "arn:aws-cn:s3")], None, "aws", NONE, id="basic-other-partition"
        ),
        pytest.param(
            [objects("All", "arn:aws-cn:s3")], None, "aws-cn", ALL, id="basic-china-partition"
        ),
        pytest.param(
            [objects("All", "arn:aws:s3")], None, "aws-us-gov", NONE, id="basic-aws-in-govcloud"
        ),
        pytest.param(
            [objects("All", "arn:aws:s3:::logs/")], None, "aws", NONE, id="basic-one-bucket"
        ),
        pytest.param(None, [s3()], "aws", ALL, id="advanced-all-objects"),
        pytest.param(None, [s3(read_only("false"))], "aws", (READS, []), id="advanced-writes"),
        # Issue 16 point 2: excluding only read events leaves write coverage complete.
        pytest.param(
            None,
            [s3(field("eventName", NotEquals=["GetObject"]))],
            "aws",
            (["GetObject"], []),
            id="exclude-a-read-event-keeps-writes-complete",
        ),
        pytest.param(
            None,
            [s3(field("eventName", NotEquals=["PutObject", "DeleteObject"]))],
            "aws",
            ([], ["DeleteObject", "PutObject"]),
            id="exclude-write-events-keeps-reads-complete",
        ),
        pytest.param(
            None,
            [s3(field("eventName", NotStartsWith=["Get", "Head", "List"]))],
            "aws",
            ([n for n in READS if n != "SelectObjectContent"], []),
            id="exclude-read-prefixes",
        ),
        pytest.param(
            None,
            [s3(field("eventName", NotEndsWith=["Tagging"]))],
            "aws",
            (["GetObjectTagging"], ["DeleteObjectTagging", "PutObjectTagging"]),
            id="exclude-by-suffix-in-both-directions",
        ),
        pytest.param(
            None,
            [s3(read_only("true"), field("eventName", NotEquals=["PutObject"]))],
            "aws",
            ([], WRITES),
            id="write-exclusion-on-a-read-selector-is-moot",
        ),
        pytest.param(
            None,
            [s3(field("eventName", Equals=["PutObject"]))],
            "aws",
            (READS, [n for n in WRITES if n != "PutObject"]),
            id="positive-event-name-narrows-both",
        ),
        pytest.param(
            None,
            [
                s3(field("eventName", Equals=["GetObject"])),
                s3(field("eventName", NotEquals=["GetObject"])),
            ],
            "aws",
            ALL,
            id="exclusion-covered-by-another-selector",
        ),
        pytest.param(
            None,
            [s3(field("eventName", NotEquals=["RenameObject"]))],
            "aws",
            (["RenameObject"], ["RenameObject"]),
            id="unclassified-exclusion-counts-against-both",
        ),
        pytest.param(
            None,
            [s3(field("eventName", NotEquals=["RenameObject"])), s3()],
            "aws",
            ALL,
            id="unclassified-exclusion-covered-by-another-selector",
        ),
        pytest.param(
            None,
            [s3(field("eventName", NotStartsWith=["Rename"]))],
            "aws",
            (["Rename*"], ["Rename*"]),
            id="unclassified-pattern-exclusion",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", StartsWith=["arn:aws:s3:::"]))],
            "aws",
            ALL,
            id="arn-prefix-of-the-partition",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", StartsWith=["arn:aws:s3"]))],
            "aws",
            ALL,
            id="arn-service-prefix",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", StartsWith=["arn:aws-us-gov:s3:::"]))],
            "aws",
            NONE,
            id="arn-prefix-of-another-partition",
        ),
        pytest.param(
            None,
            [
                s3(
                    field(
                        "resources.ARN",
                        StartsWith=["arn:aws:s3:::"],
                        NotStartsWith=["arn:aws:s3:::noisy/"],
                    )
                )
            ],
            "aws",
            NONE,
            id="all-but-one-bucket-is-not-all",
        ),
        # Selectors are ORed over objects too: what one leaves out another may cover.
        pytest.param(
            None,
            [
                s3(field("resources.ARN", NotStartsWith=["arn:aws:s3:::trail-logs/"])),
                s3(
                    read_only("false"),
                    field("resources.ARN", StartsWith=["arn:aws:s3:::trail-logs/"]),
                ),
            ],
            "aws",
            (READS, []),
            id="all-but-the-trail-bucket-plus-its-writes",
        ),
        pytest.param(
            None,
            [
                s3(field("resources.ARN", StartsWith=["arn:aws:s3:::a"])),
                s3(field("resources.ARN", NotStartsWith=["arn:aws:s3:::a"])),
            ],
            "aws",
            ALL,
            id="a-prefix-and-its-complement",
        ),
        pytest.param(
            None,
            [
                s3(field("resources.ARN", NotEquals=["arn:aws:s3:::b/secret.txt"])),
                s3(field("resources.ARN", Equals=["arn:aws:s3:::b/secret.txt"])),
            ],
            "aws",
            ALL,
            id="an-excluded-object-covered-by-another-selector",
        ),
        pytest.param(
            None,
            [
                s3(field("resources.ARN", NotEndsWith=[".tmp"])),
                s3(field("resources.ARN", EndsWith=[".tmp"]), read_only("true")),
            ],
            "aws",
            ([], WRITES),
            id="an-excluded-suffix-covered-for-reads-only",
        ),
        pytest.param(
            None,
            [
                s3(field("resources.ARN", NotStartsWith=["arn:aws:s3:::a"])),
                s3(field("resources.ARN", StartsWith=["arn:aws:s3:::a/"])),
            ],
            "aws",
            NONE,
            id="a-bucket-covered-but-not-the-longer-names",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", NotStartsWith=["arn:aws-cn:s3:::"]))],
            "aws",
            ALL,
            id="excluding-another-partition-excludes-nothing",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", NotEquals=["arn:aws:s3:::b/secret.txt"]))],
            "aws",
            NONE,
            id="excluding-one-object-is-not-all",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", NotEndsWith=[".tmp"]))],
            "aws",
            NONE,
            id="excluding-a-suffix-is-not-all",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", EndsWith=[".csv"]))],
            "aws",
            NONE,
            id="a-suffix-is-not-all",
        ),
        pytest.param(
            None,
            [s3(field("userIdentity.arn", NotEquals=["arn:aws:iam::1:role/etl"]))],
            "aws",
            NONE,
            id="caller-filter-is-not-all",
        ),
        pytest.param(
            None,
            [s3(field("sessionCredentialFromConsole", Equals=["true"]))],
            "aws",
            NONE,
            id="console-only-is-not-all",
        ),
        pytest.param(
            None,
            [s3(field("vpcEndpointId", Equals=["vpce-0123456789abcdef0"]))],
            "aws",
            NONE,
            id="one-vpc-endpoint-is-not-all",
        ),
        pytest.param(
            None,
            [s3(field("errorCode", NotEquals=["AccessDenied"]))],
            "aws",
            NONE,
            id="dropping-failed-calls-is-not-all",
        ),
        pytest.param(
            None,
            [s3(field("eventType", Equals=["AwsApiCall"]))],
            "aws",
            ALL,
            id="event-type-of-api-calls-keeps-all",
        ),
        pytest.param(
            None,
            [s3(field("eventSource", Equals=["s3.amazonaws.com"]))],
            "aws",
            ALL,
            id="event-source-of-s3-keeps-all",
        ),
        pytest.param(
            None,
            [s3(field("eventSource", Equals=["s3-outposts.amazonaws.com"]))],
            "aws",
            NONE,
            id="event-source-of-another-service-records-none",
        ),
        pytest.param(
            None,
            [
                adv(
                    field("eventCategory", Equals=["Data"]),
                    field("resources.type", Equals=["AWS::S3::AccessPoint"]),
                )
            ],
            "aws",
            NONE,
            id="access-points-are-not-objects",
        ),
        pytest.param(
            None,
            [adv(field("eventCategory", Equals=["Data"]))],
            "aws",
            NONE,
            id="no-resource-type-counts-for-nothing",
        ),
        pytest.param(
            None,
            [adv(MGMT), s3(read_only("true")), s3(read_only("false"))],
            "aws",
            ALL,
            id="management-and-data-selectors-together",
        ),
    ],
)
def test_s3_events_missing(basic_sel: Any, advanced: Any, partition: str, want: Data) -> None:
    got = normalize_selectors(basic_sel, advanced, True, partition)["s3_data_events"]
    read_missing, write_missing = want
    assert (got["read_events_missing"], got["write_events_missing"]) == (
        read_missing,
        write_missing,
    )
    assert (got["read_all_buckets"], got["write_all_buckets"]) == (
        not read_missing,
        not write_missing,
    )


@pytest.mark.parametrize(
    ("basic_sel", "advanced", "read_buckets", "write_buckets"),
    [
        pytest.param(
            [objects("WriteOnly", "arn:aws:s3:::logs/")], None, [], ["logs"], id="basic-one-bucket"
        ),
        pytest.param(
            [objects("All", "arn:aws:s3:::logs/AWSLogs/")],
            None,
            [],
            [],
            id="basic-object-prefix-is-not-the-whole-bucket",
        ),
        pytest.param(
            [objects("All", "arn:aws:s3:::logs")],
            None,
            ["logs"],
            ["logs"],
            id="basic-bucket-name-prefix-covers-the-bucket",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", StartsWith=["arn:aws:s3:::a/", "arn:aws:s3:::b/"]))],
            ["a", "b"],
            ["a", "b"],
            id="advanced-two-buckets",
        ),
        pytest.param(
            None,
            [
                s3(
                    field(
                        "resources.ARN",
                        StartsWith=["arn:aws:s3:::a/", "arn:aws:s3:::b/"],
                        NotStartsWith=["arn:aws:s3:::a/tmp/"],
                    )
                )
            ],
            ["b"],
            ["b"],
            id="advanced-bucket-with-an-excluded-prefix-is-not-whole",
        ),
        pytest.param(
            None,
            [
                s3(
                    read_only("true"),
                    field("resources.ARN", StartsWith=["arn:aws:s3:::a/"]),
                    field("eventName", NotEquals=["HeadObject"]),
                )
            ],
            [],
            [],
            id="advanced-bucket-missing-a-read-event-is-not-whole",
        ),
        pytest.param(
            None,
            [
                s3(
                    read_only("false"),
                    field("resources.ARN", StartsWith=["arn:aws:s3:::a/"]),
                    field("eventName", NotEquals=["GetObject"]),
                )
            ],
            [],
            ["a"],
            id="advanced-read-exclusion-keeps-a-write-bucket-whole",
        ),
        pytest.param(
            None,
            [
                s3(field("resources.ARN", StartsWith=["arn:aws:s3:::a/x/"])),
                s3(
                    field(
                        "resources.ARN",
                        StartsWith=["arn:aws:s3:::a/"],
                        NotStartsWith=["arn:aws:s3:::a/x/"],
                    )
                ),
            ],
            ["a"],
            ["a"],
            id="advanced-bucket-whole-from-two-selectors",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", Equals=["arn:aws:s3:::a/report.csv"]))],
            [],
            [],
            id="advanced-one-object-is-not-a-bucket",
        ),
        pytest.param(
            None,
            [s3(field("resources.ARN", StartsWith=["arn:aws-cn:s3:::a/"]))],
            [],
            [],
            id="advanced-bucket-of-another-partition",
        ),
        pytest.param(None, [s3()], [], [], id="all-buckets-lists-none"),
    ],
)
def test_s3_buckets(
    basic_sel: Any, advanced: Any, read_buckets: list[str], write_buckets: list[str]
) -> None:
    got = normalize_selectors(basic_sel, advanced, True)["s3_data_events"]
    assert (got["read_buckets"], got["write_buckets"]) == (read_buckets, write_buckets)


@pytest.mark.parametrize(
    ("selector", "value", "want"),
    [
        ({"Equals": ["a", "b"]}, "b", True),
        ({"Equals": ["a", "b"]}, "c", False),
        ({"StartsWith": ["Get"], "Equals": ["PutObject"]}, "PutObject", True),
        ({"NotEquals": ["a", "b"]}, "b", False),
        ({"NotEquals": ["a", "b"]}, "c", True),
        ({"StartsWith": ["Get"], "NotStartsWith": ["GetObjectT"]}, "GetObjectTagging", False),
        ({"StartsWith": ["Get"], "NotStartsWith": ["GetObjectT"]}, "GetObject", True),
        ({"EndsWith": ["Object"], "NotEndsWith": ["PutObject"]}, "PutObject", False),
        (None, "anything", True),
    ],
)
def test_field_operators(selector: Any, value: str, want: bool) -> None:
    """Including operators' values are ORed, excluding operators' values each exclude."""
    assert matches(selector, value) is want


def test_every_s3_object_event_has_one_direction() -> None:
    assert set(READS).isdisjoint(WRITES)
    assert {"GetObject", "HeadObject"} <= set(READS)
    assert {"PutObject", "DeleteObject", "DeleteObjects", "CopyObject"} <= set(WRITES)


UNKNOWN_REGION = Unknowable("the region of provider configuration aws is not known from the plan")


def _data_resource(*values: str) -> dict[str, Any]:
    return {"data_resource": [{"type": "AWS::S3::Object", "values": list(values)}]}


@pytest.mark.parametrize(
    ("planned", "region", "known"),
    [
        pytest.param({"event_selector": [_data_resource("arn:aws:s3")]}, "us-east-1", True),
        pytest.param({"event_selector": [_data_resource("arn:aws:s3")]}, UNKNOWN_REGION, False),
        pytest.param(
            {
                "advanced_event_selector": [
                    {
                        "field_selector": [
                            {"field": "eventCategory", "equals": ["Data"]},
                            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                        ]
                    }
                ]
            },
            UNKNOWN_REGION,
            True,
            id="no-arn-filter-is-the-same-in-every-partition",
        ),
        pytest.param({}, UNKNOWN_REGION, True, id="no-data-selector-is-the-same-everywhere"),
    ],
)
def test_plan_with_unknown_partition(planned: dict[str, Any], region: Any, known: bool) -> None:
    """A plan whose region is not known does not know which partition `arn:aws:s3` is
    judged in: the S3 coverage is unknown where the partition would change it."""
    got = _trail_selectors(planned, region)
    assert isinstance(got["s3_data_events"], Unknowable) is not known
    assert not isinstance(got["management_events"], Unknowable)
