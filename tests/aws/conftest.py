"""Fixtures for the real-SDK layer: moto accounts, denial through botocore events, schemas."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

import pytest

from scanner.model import Resource, _jsonable
from scanner.providers import schema_files

# Everything that could point boto3 at a real account or a real endpoint.
_LEAKY_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_REGION",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
)


@pytest.fixture(scope="session", autouse=True)
def fake_aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fake credentials and no shared config, so no test can reach a real account."""
    import os

    empty = tmp_path_factory.mktemp("aws-config") / "none"
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key in _LEAKY_ENV or key.startswith("AWS_ENDPOINT_URL"):
                mp.delenv(key)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(empty))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


@pytest.fixture(scope="session")
def prepared() -> Any:
    """The shipped AWS catalogue, validated exactly as `logward scan aws` does."""
    from scanner import pipeline

    return pipeline.prepare(None, None, None)


@pytest.fixture
def moto_session() -> Iterator[Any]:
    """A boto3 session inside a fresh in-process moto."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


DenyFn = Callable[..., list[tuple[str, str]]]


@pytest.fixture
def deny() -> DenyFn:
    """Make one operation fail through the SDK's own path: a `before-call` handler on the
    session answers with an error response instead of sending the request, and the real client
    turns it into the ClientError it would raise for AWS's answer. Returns the list of denied
    (operation, region) pairs, filled as calls happen."""

    def install(
        session: Any,
        service_id: str,
        operation: str,
        *,
        code: str = "AccessDenied",
        regions: Iterable[str] | None = None,
        when: Callable[[dict[str, Any]], bool] = lambda _p: True,
    ) -> list[tuple[str, str]]:
        from botocore.awsrequest import AWSResponse

        only = set(regions) if regions is not None else None
        denied: list[tuple[str, str]] = []

        def handler(model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
            region = str(context.get("client_region"))
            if (only is not None and region not in only) or not when(params):
                return None
            denied.append((model.name, region))
            body = {
                "Error": {
                    "Code": code,
                    "Message": f"User is not authorized to perform {operation} (test denial)",
                },
                "ResponseMetadata": {"HTTPStatusCode": 403},
            }
            return AWSResponse(params["url"], 403, {}, None), body

        session.events.register(f"before-call.{service_id}.{operation}", handler)
        return denied

    return install


@cache
def _schema_validator(rtype: str) -> Any:
    import jsonschema

    path = schema_files()[rtype]
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(resource: Resource) -> list[str]:
    """Where a collected resource's attributes break its type's JSON Schema."""
    validator = _schema_validator(resource.type)
    document = {"attrs": _jsonable(resource.attrs)}
    return [
        f"{resource.type} {resource.name}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in validator.iter_errors(document)
    ]


@pytest.fixture
def validate_schema() -> Callable[[Resource], list[str]]:
    """schema_errors as a fixture (test modules do not import conftest)."""
    return schema_errors
