"""CloudTrail trails: listed per region, deduplicated by ARN, detailed in their home region."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from scanner.model import Resource, Unknowable
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
ALL_S3 = (
    "arn:aws:s3",
    "arn:aws:s3:::",
    "arn:aws-us-gov:s3",
    "arn:aws-cn:s3",
    "arn:aws-us-gov:s3:::",
    "arn:aws-cn:s3:::",
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
) -> dict[str, Any]:
    """Basic and advanced event selectors reduced to what the policies ask: which management
    events and which S3 object-level events the trail records."""
    mgmt: dict[str, Any] = {"read": False, "write": False, "excluded_sources": []}
    s3: dict[str, Any] = {
        "read_all_buckets": False,
        "write_all_buckets": False,
        "read_buckets": [],
        "write_buckets": [],
    }
    exclusions: list[set[str]] = []  # per management selector: the sources it leaves out
    mode = "none"
    if advanced:
        mode = "advanced"
        for selector in advanced:
            _advanced(selector, mgmt, s3, exclusions)
    elif basic:
        mode = "basic"
        for selector in basic:
            _basic(selector, mgmt, s3, exclusions)
    elif not has_custom:
        # A trail without custom selectors records all read and write management events.
        mode = "basic"
        mgmt.update(read=True, write=True)
    # Selectors are ORed: a source is excluded only when every management selector leaves it
    # out.
    if exclusions:
        mgmt["excluded_sources"] = sorted(set.intersection(*exclusions))
    return {
        "selector_mode": mode,
        "management_events": mgmt,
        "s3_data_events": s3,
        "event_selectors": list(basic) if basic else None,
        "advanced_event_selectors": list(advanced) if advanced else None,
    }


def _directions(read_write: str | None) -> tuple[str, ...]:
    return {"ReadOnly": ("read",), "WriteOnly": ("write",)}.get(
        read_write or "All", ("read", "write")
    )


def _basic(
    selector: Mapping[str, Any],
    mgmt: dict[str, Any],
    s3: dict[str, Any],
    exclusions: list[set[str]],
) -> None:
    directions = _directions(selector.get("ReadWriteType"))
    if selector.get("IncludeManagementEvents", True):
        for d in directions:
            mgmt[d] = True
        exclusions.append(set(selector.get("ExcludeManagementEventSources") or []))
    for resource in selector.get("DataResources") or []:
        if resource.get("Type") != "AWS::S3::Object":
            continue
        for value in resource.get("Values") or []:
            for d in directions:
                _s3_value(s3, d, value)


def _s3_value(s3: dict[str, Any], direction: str, value: str) -> None:
    if value in ALL_S3:
        s3[f"{direction}_all_buckets"] = True
    else:
        bucket = value.split(":::", 1)[-1].split("/", 1)[0]
        if bucket and bucket not in s3[f"{direction}_buckets"]:
            s3[f"{direction}_buckets"].append(bucket)


def _advanced(
    selector: Mapping[str, Any],
    mgmt: dict[str, Any],
    s3: dict[str, Any],
    exclusions: list[set[str]],
) -> None:
    fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
    category = fields.get("eventCategory", {}).get("Equals") or []
    read_only = fields.get("readOnly", {}).get("Equals")
    if read_only == ["true"]:
        directions: tuple[str, ...] = ("read",)
    elif read_only == ["false"]:
        directions = ("write",)
    else:
        directions = ("read", "write")
    if "Management" in category:
        source = fields.get("eventSource", {})
        if source.get("Equals"):
            return  # only some event sources: not "all management events"
        exclusions.append(set(source.get("NotEquals") or []))
        for d in directions:
            mgmt[d] = True
        return
    if "Data" in category and fields.get("resources.type", {}).get("Equals") == ["AWS::S3::Object"]:
        _s3_objects(fields, directions, s3)


def _s3_objects(fields: Mapping[str, Any], directions: tuple[str, ...], s3: dict[str, Any]) -> None:
    """What an advanced selector of S3 object data events records, per direction."""
    narrowing = set(fields) - {"eventCategory", "resources.type", "readOnly", "resources.ARN"}
    arn_field = fields.get("resources.ARN") or {}
    # Any exclusion on the ARN (NotStartsWith, NotEquals, EndsWith, ...) means "not all".
    arn_excludes = any(op not in ("Field", "StartsWith", "Equals") for op in arn_field)
    for d in directions:
        if not arn_field and not narrowing:
            s3[f"{d}_all_buckets"] = True
            continue
        for value in arn_field.get("StartsWith") or []:
            if value in ALL_S3:
                if not narrowing and not arn_excludes:
                    s3[f"{d}_all_buckets"] = True
            else:
                _s3_value(s3, d, value)
        for value in arn_field.get("Equals") or []:
            if value not in ALL_S3:  # Equals names one object ARN, never "every bucket"
                _s3_value(s3, d, value)


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
