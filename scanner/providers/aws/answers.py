"""What each AWS call logward makes must answer: the keys its collector reads, and their types.

One entry per declared operation, keyed (service, operation); `declare.call` takes its shape
from here, and a test fails on a declared call without an entry or an entry no call declares.
The language is in `shapes.py`: a key without `?` is one AWS always returns (the list of a
list call, even empty; the object a Get call is about), `Key?` one it may omit.

What may be absent was chosen from the AWS API references: list calls always return their
list; S3's GetBucketVersioning and GetBucketLogging answer an empty document for a bucket
never configured, so nothing in them is required; GetBucketLocation answers no constraint for
us-east-1. Those answers are known by their XML root element instead (`XML_ROOTS`): an
empty `<Unexpected/>` parses to the same `{}` as an empty `<BucketLoggingStatus/>`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner.providers.aws.shapes import JSON_OBJECT_TEXT, Shape

_NONE = type(None)
_PAB = {
    "BlockPublicAcls": bool,
    "IgnorePublicAcls": bool,
    "BlockPublicPolicy": bool,
    "RestrictPublicBuckets": bool,
}
_STRINGS = [str]
_TRAIL: dict[str, Any] = {
    "Name": str,
    "TrailARN": str,
    "HomeRegion?": str,
    "IsMultiRegionTrail?": bool,
    "IsOrganizationTrail?": bool,
    "IncludeGlobalServiceEvents?": bool,
    "LogFileValidationEnabled?": bool,
    "HasCustomEventSelectors?": bool,
    "S3BucketName?": str,
    "S3KeyPrefix?": str,
    "KmsKeyId?": str,
    "CloudWatchLogsLogGroupArn?": str,
    "CloudWatchLogsRoleArn?": str,
    "SnsTopicARN?": str,
}
_TRAIL_STATUS: dict[str, Any] = {
    "IsLogging": bool,
    **{
        f"{key}?": datetime
        for key in (
            "LatestDeliveryTime",
            "LatestDigestDeliveryTime",
            "LatestCloudWatchLogsDeliveryTime",
            "StartLoggingTime",
            "StopLoggingTime",
        )
    },
    **{
        f"{key}?": str
        for key in (
            "LatestDeliveryError",
            "LatestDigestDeliveryError",
            "LatestCloudWatchLogsDeliveryError",
        )
    },
}
_FIELD_SELECTOR = {
    "Field": str,
    **{
        f"{op}?": _STRINGS
        for op in (
            "Equals",
            "StartsWith",
            "EndsWith",
            "NotEquals",
            "NotStartsWith",
            "NotEndsWith",
        )
    },
}
_EVENT_SELECTORS: dict[str, Any] = {
    "TrailARN": str,
    "EventSelectors?": [
        {
            "ReadWriteType?": str,
            "IncludeManagementEvents?": bool,
            "ExcludeManagementEventSources?": _STRINGS,
            "DataResources?": [{"Type?": str, "Values?": _STRINGS}],
        }
    ],
    "AdvancedEventSelectors?": [{"Name?": str, "FieldSelectors": [_FIELD_SELECTOR]}],
}

ANSWERS: dict[tuple[str, str], Shape] = {
    ("sts", "GetCallerIdentity"): {"Account": str, "Arn": str},
    ("ec2", "DescribeRegions"): {"Regions": [{"RegionName": str, "OptInStatus?": str}]},
    ("iam", "GetAccountAuthorizationDetails"): {
        "UserDetailList": [{"UserName": str, "Arn": str, "GroupList?": _STRINGS}],
        "GroupDetailList": [{"GroupName": str}],
        "RoleDetailList": [{"RoleName": str, "Arn": str}],
        "Policies": [{"Arn": str, "PolicyName?": str, "PolicyVersionList?": [dict]}],
    },
    ("s3control", "GetPublicAccessBlock"): {"PublicAccessBlockConfiguration": _PAB},
    ("s3", "ListBuckets"): {
        "Buckets": [{"Name": str, "BucketRegion?": str, "CreationDate?": datetime}]
    },
    ("s3", "GetBucketLocation"): {"LocationConstraint?": (str, _NONE)},
    ("s3", "GetBucketPolicy"): {"Policy": JSON_OBJECT_TEXT},
    ("s3", "GetBucketAcl"): {
        "Owner": dict,
        "Grants": [{"Grantee?": {"Type?": str, "URI?": str}, "Permission?": str}],
    },
    ("s3", "GetPublicAccessBlock"): {"PublicAccessBlockConfiguration": _PAB},
    ("s3", "GetBucketEncryption"): {
        "ServerSideEncryptionConfiguration": {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault?": {
                        "SSEAlgorithm": str,
                        "KMSMasterKeyID?": str,
                    },
                    "BucketKeyEnabled?": bool,
                }
            ]
        }
    },
    ("s3", "GetBucketVersioning"): {"Status?": str, "MFADelete?": str},
    ("s3", "GetObjectLockConfiguration"): {
        "ObjectLockConfiguration": {
            "ObjectLockEnabled?": str,
            "Rule?": {"DefaultRetention?": {"Mode?": str, "Days?": int, "Years?": int}},
        }
    },
    ("s3", "GetBucketLogging"): {"LoggingEnabled?": {"TargetBucket": str, "TargetPrefix?": str}},
    ("s3", "GetBucketLifecycleConfiguration"): {
        "Rules": [
            {
                "Status": str,
                "Filter?": dict,
                "Prefix?": str,
                "Expiration?": {"Days?": int, "Date?": datetime},
                "NoncurrentVersionExpiration?": {"NoncurrentDays?": int},
            }
        ]
    },
    ("cloudtrail", "DescribeTrails"): {"trailList": [_TRAIL]},
    ("cloudtrail", "GetTrailStatus"): _TRAIL_STATUS,
    ("cloudtrail", "GetEventSelectors"): _EVENT_SELECTORS,
    ("logs", "DescribeLogGroups"): {
        "logGroups": [
            {
                "logGroupName": str,
                "retentionInDays?": int,
                "kmsKeyId?": str,
                "storedBytes?": int,
            }
        ]
    },
    ("logs", "DescribeResourcePolicies"): {
        "resourcePolicies": [{"policyDocument?": JSON_OBJECT_TEXT, "resourceArn?": str}]
    },
    ("logs", "DescribeMetricFilters"): {
        "metricFilters": [
            {
                "filterName": str,
                "logGroupName": str,
                "filterPattern?": str,
                "metricTransformations?": [
                    {"metricName": str, "metricNamespace": str, "dimensions?": dict}
                ],
            }
        ]
    },
    ("cloudwatch", "DescribeAlarms"): {
        "MetricAlarms": [
            {
                "AlarmArn": str,
                "AlarmName": str,
                "MetricName?": str,
                "Namespace?": str,
                "ActionsEnabled?": bool,
                "AlarmActions?": _STRINGS,
                "Dimensions?": [{"Name": str}],
                "StateValue?": str,
            }
        ]
    },
    ("sns", "ListTopics"): {"Topics": [{"TopicArn": str}]},
    ("sns", "ListSubscriptionsByTopic"): {
        "Subscriptions": [{"Protocol?": str, "SubscriptionArn?": str}]
    },
    ("config", "DescribeConfigurationRecorders"): {
        "ConfigurationRecorders": [
            {
                "name": str,
                "roleARN?": str,
                "recordingGroup?": {
                    "allSupported?": bool,
                    "includeGlobalResourceTypes?": bool,
                    "recordingStrategy?": {"useOnly?": str},
                },
            }
        ]
    },
    ("config", "DescribeConfigurationRecorderStatus"): {
        "ConfigurationRecordersStatus": [{"name": str, "recording?": bool, "lastStatus?": str}]
    },
    ("ec2", "DescribeVpcs"): {
        "Vpcs": [
            {
                "VpcId": str,
                "OwnerId?": str,
                "IsDefault?": bool,
                "CidrBlock?": str,
                "Tags?": [{"Key": str, "Value": str}],
            }
        ]
    },
    ("ec2", "DescribeFlowLogs"): {
        "FlowLogs": [
            {
                "FlowLogId": str,
                "ResourceId?": str,
                "FlowLogStatus?": str,
                "TrafficType?": str,
                "LogDestinationType?": str,
                "LogDestination?": str,
                "LogGroupName?": str,
                "DeliverLogsStatus?": str,
            }
        ]
    },
    ("kms", "DescribeKey"): {
        "KeyMetadata": {
            "KeyId": str,
            "Arn": str,
            "KeyManager?": str,
            "KeyState?": str,
            "KeySpec?": str,
            "CustomerMasterKeySpec?": str,
            "Origin?": str,
        }
    },
    ("kms", "GetKeyRotationStatus"): {"KeyRotationEnabled": bool},
}

# The root element of each S3 XML answer. S3 parses a payload (the PublicAccessBlock,
# encryption or object lock configuration) from whatever root element the body has, and some
# answers may lack every key: the root is what says the body is the operation's answer. A test
# keeps this complete for every S3 call but GetBucketPolicy (its body is the JSON policy).
XML_ROOTS: dict[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "ListAllMyBucketsResult",
    ("s3", "GetBucketLocation"): "LocationConstraint",
    ("s3", "GetBucketAcl"): "AccessControlPolicy",
    ("s3", "GetPublicAccessBlock"): "PublicAccessBlockConfiguration",
    ("s3control", "GetPublicAccessBlock"): "PublicAccessBlockConfiguration",
    ("s3", "GetBucketEncryption"): "ServerSideEncryptionConfiguration",
    ("s3", "GetBucketVersioning"): "VersioningConfiguration",
    ("s3", "GetObjectLockConfiguration"): "ObjectLockConfiguration",
    ("s3", "GetBucketLogging"): "BucketLoggingStatus",
    ("s3", "GetBucketLifecycleConfiguration"): "LifecycleConfiguration",
}
