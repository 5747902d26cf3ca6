"""CloudTrail trails: listed per region, deduplicated by ARN, detailed in their home region."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from scanner.model import Resource, Unknowable
from scanner.providers.aws import selectors
from scanner.providers.aws.calls import AwsApi, AwsCallError
from scanner.providers.aws.common import Scope, iso, make
from scanner.providers.aws.declare import Collected, Detailer, Found, Lister, Service, call

TYPE = "aws.cloudtrail.trail"
# The attributes normalize_selectors gives (all unknown together when the selectors are).
SELECTOR_ATTRS = (
    "selector_mode",
    "management_events",
    "s3_data_events",
    "event_selectors",
    "advanced_event_selectors",
)


def list_trails(api: AwsApi, region: str) -> list[dict[str, Any]]:
    """DescribeTrails in one region (multi-region trails appear in every region)."""
    response = api.call("cloudtrail", region, "DescribeTrails", includeShadowTrails=True)
    assert response is not None
    return [dict(t, _evidence=response.evidence) for t in response.data.get("trailList", [])]


def describe(api: AwsApi, scope: Scope, trail: Mapping[str, Any]) -> Resource:
    """One trail with status and selectors, asked of its home region (moto and AWS answer
    GetEventSelectors only there)."""
    arn = trail["TrailARN"]
    home = trail.get("HomeRegion") or scope.home_region
    evidence = list(trail.get("_evidence", ()))
    status: Any
    try:
        got = api.call("cloudtrail", home, "GetTrailStatus", Name=arn)
        assert got is not None
        evidence.extend(got.evidence)
        status = normalize_status(got.data, trail)
    except AwsCallError as exc:
        status = exc.unknowable()
    selectors: dict[str, Any]
    try:
        got = api.call("cloudtrail", home, "GetEventSelectors", TrailName=arn)
        assert got is not None
        evidence.extend(got.evidence)
        selectors = normalize_selectors(
            got.data.get("EventSelectors"),
            got.data.get("AdvancedEventSelectors"),
            bool(trail.get("HasCustomEventSelectors")),
            arn.split(":")[1],
        )
    except AwsCallError as exc:
        marker = exc.unknowable()
        selectors = dict.fromkeys(SELECTOR_ATTRS, marker)
    attrs = {
        "name": trail["Name"],
        "arn": arn,
        "home_region": home,
        "is_multi_region": bool(trail.get("IsMultiRegionTrail")),
        "is_organization_trail": bool(trail.get("IsOrganizationTrail")),
        "include_global_service_events": bool(trail.get("IncludeGlobalServiceEvents")),
        "log_file_validation": bool(trail.get("LogFileValidationEnabled")),
        "s3_bucket_name": trail.get("S3BucketName"),
        "s3_key_prefix": trail.get("S3KeyPrefix"),
        "kms_key_id": trail.get("KmsKeyId"),
        "cloudwatch_logs_log_group_arn": trail.get("CloudWatchLogsLogGroupArn"),
        "cloudwatch_logs_role_arn": trail.get("CloudWatchLogsRoleArn"),
        "sns_topic_arn": trail.get("SnsTopicARN"),
        "status": status,
        **selectors,
    }
    account = arn.split(":")[4]
    # An organization trail of the management account records this member account too.
    serves = (scope.account,) if account != scope.account and attrs["is_organization_trail"] else ()
    return make(
        scope,
        TYPE,
        arn,
        trail["Name"],
        home,
        attrs,
        evidence,
        account=account,
        also_accounts=serves,
    )


def normalize_status(data: Mapping[str, Any], trail: Mapping[str, Any]) -> dict[str, Any]:
    """GetTrailStatus in our terms. A delivery time the API does not report is unknown, not
    absent, where the trail is configured for that delivery (moto never reports the CloudWatch
    Logs time; AWS reports digests only after the first hourly digest)."""
    status: dict[str, Any] = {
        "is_logging": bool(data.get("IsLogging")),
        "latest_delivery_time": iso(data.get("LatestDeliveryTime")),
        "latest_delivery_error": data.get("LatestDeliveryError") or None,
        "latest_digest_delivery_time": iso(data.get("LatestDigestDeliveryTime")),
        "latest_digest_delivery_error": data.get("LatestDigestDeliveryError") or None,
        "latest_cloudwatch_logs_delivery_time": iso(data.get("LatestCloudWatchLogsDeliveryTime")),
        "latest_cloudwatch_logs_delivery_error": data.get("LatestCloudWatchLogsDeliveryError")
        or None,
        "start_logging_time": iso(data.get("StartLoggingTime")),
        "stop_logging_time": iso(data.get("StopLoggingTime")),
    }
    # A trail that started logging within the last two hours may not have delivered yet
    # (digests are hourly); after that, a missing delivery time means no delivery: a fail.
    started = _parse(status["start_logging_time"])
    fresh = started is None or datetime.now(UTC) - started < timedelta(hours=2)
    if (
        fresh
        and status["latest_cloudwatch_logs_delivery_time"] is None
        and trail.get("CloudWatchLogsLogGroupArn")
    ):
        status["latest_cloudwatch_logs_delivery_time"] = Unknowable(
            "GetTrailStatus did not report LatestCloudWatchLogsDeliveryTime, and the trail "
            "started logging less than two hours ago"
        )
    if (
        fresh
        and status["latest_digest_delivery_time"] is None
        and trail.get("LogFileValidationEnabled")
        and not status["latest_digest_delivery_error"]
    ):
        status["latest_digest_delivery_time"] = Unknowable(
            "GetTrailStatus did not report LatestDigestDeliveryTime, and the trail started "
            "logging less than two hours ago (digests are delivered hourly)"
        )
    return status


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def normalize_selectors(
    basic: Sequence[Mapping[str, Any]] | None,
    advanced: Sequence[Mapping[str, Any]] | None,
    has_custom: bool,
    partition: str = "aws",
) -> dict[str, Any]:
    """Basic and advanced event selectors reduced to what the policies ask: which management
    events and which S3 object-level events the trail records, per direction (see
    scanner/providers/aws/selectors.py). `partition` is the trail's: S3 ARNs of another
    partition name none of its buckets."""
    mode = "advanced" if advanced else "basic" if basic or not has_custom else "none"
    # A trail without custom selectors records all read and write management events.
    default_all = not advanced and not basic and not has_custom
    # A trail has basic or advanced selectors, never both: advanced ones replace basic ones.
    use_basic = None if advanced else basic
    return {
        "selector_mode": mode,
        "management_events": selectors.management(use_basic, advanced, default_all),
        "s3_data_events": selectors.s3_objects(use_basic, advanced, partition),
        "event_selectors": list(basic) if basic else None,
        "advanced_event_selectors": list(advanced) if advanced else None,
    }


def _list(api: AwsApi, _scope: Scope, region: str) -> Found:
    return Found(staged={"trails": list_trails(api, region)})


def _trails(found: Collected) -> Iterable[tuple[str, str, Any]]:
    # A multi-region trail is listed in every region: detail it once, in its home region.
    seen: dict[str, Mapping[str, Any]] = {}
    for trail in found.staged.get("trails", ()):
        seen.setdefault(trail["TrailARN"], trail)
    for trail in seen.values():
        yield f"trail {trail['Name']}", trail.get("HomeRegion", found.scope.home_region), trail


def _describe(api: AwsApi, scope: Scope, trail: Mapping[str, Any]) -> Found:
    return Found(resources=[describe(api, scope, trail)])


SERVICE = Service(
    "cloudtrail",
    listers=(
        Lister(
            "cloudtrail",
            "regional",
            (TYPE,),
            (call("cloudtrail", "DescribeTrails"),),
            _list,
        ),
    ),
    detailers=(
        Detailer(
            "trail",
            2,
            (TYPE,),
            (call("cloudtrail", "GetTrailStatus"), call("cloudtrail", "GetEventSelectors")),
            _trails,
            _describe,
        ),
    ),
)
