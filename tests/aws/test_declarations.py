"""AWS collection is derived from the service modules' declarations: a regional type declared
in one service declaration is collected in every scanned region, errs in a disabled one, and
its call is in the IAM policy of `logward permissions aws`, with no other edit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from scanner import providers
from scanner.cli import main
from scanner.evidence import EvidenceStore
from scanner.model import Unknowable
from scanner.providers.aws.adapter import AwsAdapter
from scanner.providers.aws.answers import ANSWERS, XML_ROOTS
from scanner.providers.aws.collect import scan
from scanner.providers.aws.common import Scope, make
from scanner.providers.aws.declare import Found, Lister, Service, call, regional_types, shapes
from scanner.providers.aws.services import PERMISSIONS, SERVICES
from scanner.providers.aws.shapes import JSON_OBJECT_TEXT, mismatch

DETECTOR = "aws.guardduty.detector"
EAST, OPT_IN = "us-east-1", "ap-east-1"  # moto reports ap-east-1 as not opted in


def _detectors(api: Any, scope: Scope, region: str) -> Found:
    got = api.paginate("guardduty", region, "ListDetectors")
    return Found(
        resources=[
            make(
                scope,
                DETECTOR,
                f"arn:aws:guardduty:{region}:{scope.account}:detector/{d}",
                d,
                region,
                {"detector_id": d},
                got.evidence,
            )
            for d in got.data.get("DetectorIds", [])
        ]
    )


# What a new service module would declare.
GUARDDUTY = Service(
    "guardduty",
    listers=(
        Lister(
            "guardduty",
            "regional",
            (DETECTOR,),
            (call("guardduty", "ListDetectors", shape={"DetectorIds": [str]}),),
            _detectors,
        ),
    ),
)
WITH_GUARDDUTY = (*SERVICES, GUARDDUTY)


def test_the_shipped_declarations_derive_the_regional_types_and_the_permissions() -> None:
    assert regional_types(SERVICES) == (
        "aws.cloudtrail.trail",
        "aws.logs.log_group",
        "aws.logs.metric_filter",
        "aws.cloudwatch.alarm",
        "aws.sns.topic",
        "aws.config.recorder",
        "aws.ec2.vpc",
    )
    assert PERMISSIONS[("s3", "ListBuckets")] == "s3:ListAllMyBuckets"
    assert len(PERMISSIONS) == 29
    assert DETECTOR in regional_types(WITH_GUARDDUTY)


def test_a_declared_regional_type_is_collected_and_errs_in_a_disabled_region(
    moto_session: Any,
) -> None:
    moto_session.client("guardduty", region_name=EAST).create_detector(Enable=True)
    found = scan(moto_session, [EAST, OPT_IN], EvidenceStore(), services=WITH_GUARDDUTY)
    detectors = found.inventory.of_type(DETECTOR)
    assert [d.region for d in detectors] == [EAST]
    account = found.scope.account
    (disabled,) = found.inventory.type_errors(DETECTOR, account, OPT_IN)
    assert disabled.code == "RegionDisabled"
    assert found.inventory.type_errors(DETECTOR, account, EAST) == []


def test_a_declared_call_that_fails_is_an_error_of_its_type(moto_session: Any, deny: Any) -> None:
    denied = deny(moto_session, "guardduty", "ListDetectors")
    found = scan(moto_session, [EAST], EvidenceStore(), services=WITH_GUARDDUTY)
    assert denied == [("ListDetectors", EAST)]
    (error,) = found.inventory.type_errors(DETECTOR, found.scope.account, EAST)
    assert (error.operation, error.code) == ("ListDetectors", "AccessDenied")


def test_an_undeclared_call_is_never_made(moto_session: Any) -> None:
    """A lister whose calls are not declared fails as an error of its types: the call is not
    sent, so the generated policy cannot miss a permission the scan uses."""
    sent: list[str] = []
    moto_session.events.register(
        "before-call.guardduty.ListDetectors", lambda **_: sent.append("ListDetectors")
    )
    silent = Service(
        "guardduty", listers=(Lister("guardduty", "regional", (DETECTOR,), (), _detectors),)
    )
    found = scan(moto_session, [EAST], EvidenceStore(), services=(*SERVICES, silent))
    (error,) = found.inventory.type_errors(DETECTOR, found.scope.account, EAST)
    assert error.code == "InternalError" and "declared by no service module" in error.message
    assert sent == []


def test_permissions_aws_lists_the_declared_call() -> None:
    with providers.registered("aws", AwsAdapter(WITH_GUARDDUTY)):
        result = CliRunner().invoke(main, ["permissions", "aws"])
    assert result.exit_code == 0, result.output
    actions = json.loads(result.output)["Statement"][0]["Action"]
    assert "guardduty:ListDetectors" in actions
    assert set(actions) == set(PERMISSIONS.values()) | {"guardduty:ListDetectors"}


def test_every_declared_call_has_an_answer_shape_and_every_shape_a_call() -> None:
    declared = shapes(SERVICES)
    assert [op for op, shape in declared.items() if shape is None] == []
    assert set(ANSWERS) == set(declared), "an answer shape no call declares"
    # S3 answers are known by their root element too (answers.XML_ROOTS).
    s3 = {op for op in declared if op[0] in ("s3", "s3control")} - {("s3", "GetBucketPolicy")}
    assert set(XML_ROOTS) == s3


def test_a_call_declared_without_a_shape_is_never_made(moto_session: Any) -> None:
    """A new call with no entry in answers.ANSWERS fails as an error of its types, unsent."""
    sent: list[str] = []
    moto_session.events.register(
        "before-call.guardduty.ListDetectors", lambda **_: sent.append("ListDetectors")
    )
    shapeless = Service(
        "guardduty",
        listers=(
            Lister(
                "guardduty",
                "regional",
                (DETECTOR,),
                (call("guardduty", "ListDetectors"),),
                _detectors,
            ),
        ),
    )
    found = scan(moto_session, [EAST], EvidenceStore(), services=(*SERVICES, shapeless))
    (error,) = found.inventory.type_errors(DETECTOR, found.scope.account, EAST)
    assert "without an answer shape" in error.message
    assert sent == []


@pytest.mark.parametrize(
    ("shape", "value", "problem"),
    [
        ({"trailList": [{"Name": str}]}, {}, "trailList: missing"),
        ({"trailList": [{"Name": str}]}, {"trailList": []}, None),
        (
            {"trailList": [{"Name": str}]},
            {"trailList": [{"Name": 1}]},
            "trailList[0].Name: expected str, got int",
        ),
        ({"Status?": str}, {}, None),
        ({"Status?": str}, {"Status": ["Enabled"]}, "Status: expected str, got list"),
        ({"Days?": int}, {"Days": True}, "Days: expected int, got bool"),
        (
            {"Policy": JSON_OBJECT_TEXT},
            {"Policy": '{"Version": "2012-10-17"'},
            "Policy: expected a JSON object in a string",
        ),
        ({"Policy": JSON_OBJECT_TEXT}, {"Policy": "{}"}, None),
    ],
)
def test_an_answer_is_checked_against_its_shape(
    shape: Any, value: Any, problem: str | None
) -> None:
    assert mismatch(shape, value) == problem


def test_an_answer_not_of_its_shape_is_an_error_not_an_empty_list(moto_session: Any) -> None:
    """botocore reads an unparsable JSON body as {}: the gateway fails it instead of reading
    "no trails" (injected through botocore's own event system, on the parsed answer)."""

    def emptied(parsed: dict[str, Any], **_: Any) -> None:
        parsed.pop("trailList", None)

    moto_session.events.register("after-call.cloudtrail.DescribeTrails", emptied)
    found = scan(moto_session, [EAST], EvidenceStore())
    (error,) = found.inventory.type_errors("aws.cloudtrail.trail", found.scope.account, EAST)
    assert (error.operation, error.code) == ("DescribeTrails", "MalformedResponse")
    assert "trailList: missing" in error.message


def test_a_failed_region_list_keeps_a_row_per_region_the_sdk_knows(
    moto_session: Any, deny: Any
) -> None:
    """DescribeRegions denied: the home region is scanned, and every other region of the
    partition is still a row, its `enabled` the error, so no per-region verdict goes missing."""
    deny(moto_session, "ec2", "DescribeRegions")
    found = scan(moto_session, None, EvidenceStore())
    regions = {r.name: r for r in found.inventory.of_type("aws.region")}
    known = set(moto_session.get_available_regions("ec2"))
    assert known and set(regions) == known
    assert regions[EAST].attrs["enabled"] is True and regions[EAST].attrs["scanned"] is True
    other = regions["eu-west-1"].attrs["enabled"]
    assert isinstance(other, Unknowable) and other.error
    assert "DescribeRegions" in other.reason and "AccessDenied" in other.reason
    codes = {(e.operation, e.code) for e in found.inventory.errors}
    assert ("DescribeRegions", "AccessDenied") in codes
    assert ("DescribeRegions", "RegionsUnknown") in codes


def test_the_fault_injection_knobs_shorten_the_sdk_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.errors import InputError
    from scanner.providers.aws.calls import _tuned, client_config

    assert _tuned(client_config()) is not None
    monkeypatch.setenv("LOGWARD_AWS_READ_TIMEOUT", "1.5")
    monkeypatch.setenv("LOGWARD_AWS_MAX_ATTEMPTS", "2")
    config = _tuned(client_config())
    assert config.read_timeout == 1.5
    assert config.retries["total_max_attempts"] == 2 and "max_attempts" not in config.retries
    assert config.retries["mode"] == client_config().retries["mode"]
    monkeypatch.setenv("LOGWARD_AWS_MAX_ATTEMPTS", "many")
    with pytest.raises(InputError, match="LOGWARD_AWS_MAX_ATTEMPTS"):
        _tuned(client_config())
