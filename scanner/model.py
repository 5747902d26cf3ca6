"""The typed values that flow through logward: resources, evidence, links, findings, errors."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.redact import redact


class Status(enum.StrEnum):
    """The outcome of one policy on one resource.

    PASS: the resource meets the policy. FAIL: it does not, and the finding says which attribute
    was expected to be what. ERROR: logward could not collect what the policy needs (access
    denied, throttled past retries, region disabled); the reason says which call failed.
    UNKNOWN: the value cannot be known from what was scanned (a log store in an account outside
    the scan, a Terraform value known only after apply); the reason says why.
    """

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    UNKNOWN = "unknown"


# Worst first: a control that has any failing finding fails, and so on.
STATUS_ORDER: tuple[Status, ...] = (Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.PASS)


class Severity(enum.StrEnum):
    """How much a failing finding matters, most severe first (the order `--fail-on` counts)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical, growing as severity falls."""
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER: tuple[Severity, ...] = tuple(Severity)
# The words, for schemas, option choices and renderers: derived, never spelled out again.
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
# The value of Resource.region when a plan cannot say where the resource is.
UNKNOWN_LOCATION = "unknown"


def worst(statuses: list[Status]) -> Status:
    """Roll statuses up: fail > error > unknown > pass (an empty list passes)."""
    present = set(statuses)
    for status in STATUS_ORDER:
        if status in present:
            return status
    return Status.PASS


@dataclass(frozen=True, slots=True)
class Unknowable:
    """An attribute value that cannot be known, with the reason.

    `error` is True when the value is missing because a call failed (the finding is `error`),
    False when it is unknowable by nature (the finding is `unknown`).
    """

    reason: str
    error: bool = False


@dataclass(frozen=True, slots=True)
class Absent:
    """What a placeholder stands for when its target was looked for where it would be (a
    listing of its account and location that succeeded) and is not there: a fact, not an
    unknown. Every condition read on it fails with `reason`, which names the missing target.
    """

    reason: str


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """Where a resource's data came from: one API response, identified by its SHA-256."""

    operation: str
    region: str
    # Identity is the call and its response; params are context (and a dict is unhashable).
    params: Mapping[str, Any] = field(hash=False, compare=False)
    time: str = ""
    sha256: str = ""
    # What answered: the API service (`cloudtrail`, `s3`) or the file reader (`terraform`).
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON form used in results."""
        return {
            "source": self.source,
            "operation": self.operation,
            "region": self.region,
            "params": dict(self.params),
            "time": self.time,
            "sha256": self.sha256,
        }


@dataclass(frozen=True, slots=True)
class Link:
    """A first-class reference from one resource to others (possibly across regions/accounts).

    `targets` are resource ids present in the inventory (placeholders included). `unresolved`
    says why a target could not be resolved at all; following such a link is unknown or error.
    """

    targets: tuple[str, ...] = ()
    unresolved: Unknowable | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """One normalized resource of a typed kind (e.g. `aws.cloudtrail.trail`), keyed by ARN.

    `links` is filled in by the link stage of the same run; `placeholder` is set on resources
    that stand for a link target that was not collected: outside what was scanned, so every
    attribute read on them is unknown (or error) with that reason, or `Absent`, looked for and
    not there, so every condition on them fails with that reason.
    """

    provider: str
    account: str
    region: str
    type: str
    id: str
    name: str
    attrs: dict[str, Any]
    evidence: tuple[EvidenceRef, ...] = ()
    links: dict[str, Link] = field(default_factory=dict)
    placeholder: Unknowable | Absent | None = None
    # Accounts besides its own that the resource serves (an organization trail seen from a
    # member account); account-scope policies of those accounts count it as theirs.
    also_accounts: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """Human noun for messages: `aws.cloudtrail.trail` -> `trail`."""
        return self.type.rsplit(".", 1)[-1].replace("_", " ")


@dataclass(frozen=True, slots=True)
class CollectionError:
    """A call that failed, and which resource types it leaves unknown where."""

    provider: str
    account: str
    region: str
    operation: str
    code: str
    message: str
    resource_types: tuple[str, ...]
    resource_id: str | None = None

    @property
    def reason(self) -> str:
        """One sentence naming the call, the place and the error."""
        target = f" for {self.resource_id}" if self.resource_id else ""
        return (
            f"{self.operation} failed in {self.account}/{self.region}{target}: "
            f"{self.code}: {self.message}"
        )

    def to_json(self) -> dict[str, Any]:
        """JSON form used in results (redacted: an error message can quote the request)."""
        data: dict[str, Any] = redact(
            {
                "provider": self.provider,
                "account": self.account,
                "region": self.region,
                "operation": self.operation,
                "code": self.code,
                "message": self.message,
                "resource_types": list(self.resource_types),
                "resource_id": self.resource_id,
                "reason": self.reason,
            }
        )
        return data


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one policy on one resource (or one scope that could not be collected)."""

    policy_id: str
    status: Status
    severity: Severity
    resource_id: str
    resource_type: str
    resource_name: str
    provider: str
    account: str
    region: str
    message: str
    evidence: tuple[EvidenceRef, ...] = ()
    related: tuple[str, ...] = ()
    observed: Mapping[str, Any] = field(default_factory=dict)
    # Set by the annotate step, never by evaluation: where a plan finding's resource is written
    # (`.tf` file, line), and, under --baseline, whether a fail or error is new or existing.
    location: tuple[str, int] | None = None
    baseline: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form used in results (without the framework controls, which results add)."""
        return {
            "policy_id": self.policy_id,
            "status": self.status.value,
            "severity": str(self.severity),
            "resource": {
                "id": self.resource_id,
                "type": self.resource_type,
                "name": self.resource_name,
                "provider": self.provider,
                "account": self.account,
                "region": self.region,
            },
            # Messages and observed values quote collected text (names, endpoints, policy
            # documents): redacted like raw responses, so no output path skips it.
            "message": redact(self.message),
            "evidence": [e.to_json() for e in self.evidence],
            "related_resources": list(self.related),
            "observed": redact(_jsonable(self.observed)),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Unknowable):
        return {"unknown": value.reason, "error": value.error}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
