"""AWS as logward sees it: the adapter the registry names (`scanner.providers.aws:ADAPTER`).

Nothing here imports boto3 at import time: `logward plan` and the policy loader read this
module, and only a live scan or the demo needs the SDK.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError, RunError
from scanner.link import Join, LinkSpec
from scanner.plan.mapping import TerraformProvider
from scanner.policy.operators import Operator
from scanner.providers.aws.common import arn_partition
from scanner.providers.aws.declare import Service
from scanner.providers.aws.derive import DERIVERS
from scanner.providers.aws.links import JOINS, LINKS
from scanner.providers.aws.operators import OPERATORS
from scanner.providers.aws.services import SERVICES
from scanner.providers.aws.terraform import TERRAFORM
from scanner.providers.base import Deriver, Option
from scanner.source import Collected, Deadline, Progress, ScanFacts, SourceInfo, now_iso

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.evidence import EvidenceStore

HERE = Path(__file__).resolve().parent
# Not evaluated by any AWS policy; said in every live scan's limits.
LIVE_LIMITS = (
    "Service control policies and resource control policies of AWS Organizations were not "
    "evaluated in the tamper analysis.",
)


@dataclass
class LiveSource:
    """One AWS account through a boto3 session (the standard credential chain)."""

    session: Any
    regions: Sequence[str] | None
    evidence: EvidenceStore
    services: Sequence[Service] = SERVICES
    endpoint_url: str | None = None
    label: str = "aws"

    @property
    def info(self) -> SourceInfo:
        """A live scan of AWS: live policies of AWS, whole accounts."""
        return SourceInfo(label=self.label, kind="live", clouds=frozenset({"aws"}))

    def collect(self, progress: Progress, deadline: Deadline | None = None) -> Collected:
        """Collect and link the account; what `deadline` cuts short is an error."""
        from scanner.providers.aws.collect import scan

        started = now_iso()
        found = scan(
            self.session,
            self.regions,
            self.evidence,
            progress=progress,
            services=self.services,
            endpoint_url=self.endpoint_url,
            deadline=deadline,
        )
        scope = found.scope
        return Collected(
            found.inventory,
            ScanFacts(
                accounts=[scope.account],
                regions=scope.regions,
                enabled_regions=found.enabled_regions,
                caller=scope.caller_arn,
                api_calls=len(found.api.operations),
                limits=[*LIVE_LIMITS, *found.notes],
                started_at=started,
            ),
        )


def session(profile: str | None) -> Any:
    """A boto3 session (RunError, exit 3, when the SDK is not installed)."""
    try:
        import boto3
        import botocore.exceptions
    except ImportError as exc:
        raise RunError("the AWS SDK is not installed: pip install 'logward[aws]'") from exc
    try:
        return boto3.Session(profile_name=profile)
    except botocore.exceptions.ProfileNotFound as exc:
        raise InputError(f"--profile: {exc}") from exc


class AwsAdapter:
    """The AWS adapter: collectors declared per service module (`services.SERVICES`)."""

    name = "aws"
    title = "AWS"
    account_type = "aws.account"
    location_type = "aws.region"
    location_noun = "region"
    schema_dir = HERE / "schemas"
    links: tuple[LinkSpec, ...] = LINKS
    joins: tuple[Join, ...] = JOINS
    derivers: tuple[Deriver, ...] = DERIVERS
    operators: Mapping[str, Operator] = OPERATORS
    terraform: TerraformProvider | None = TERRAFORM
    ocsf_account = (10, "AWS Account")
    options: tuple[Option, ...] = (
        Option("--profile", "AWS profile (default: the standard chain)."),
        Option("--regions", "all, or r1,r2,... [default: all]", default="all"),
        Option(
            "--endpoint-url",
            "Send every AWS call to this endpoint (a local stack); AWS_ENDPOINT_URL works too.",
        ),
    )

    def __init__(self, services: Sequence[Service] = SERVICES) -> None:
        self.services = tuple(services)
        # AWS policies and their mappings ship in the catalogue (policies/aws/, mappings/).
        self.policy_dirs: tuple[Path, ...] = ()
        self.mapping_dirs: tuple[Path, ...] = ()

    def live(
        self, options: Mapping[str, Any], config: Config, evidence: EvidenceStore
    ) -> LiveSource:
        """`logward scan aws`: --regions all means every enabled region, or the config's."""
        raw = options.get("regions") or "all"
        wanted = None if raw == "all" else [r.strip() for r in str(raw).split(",") if r.strip()]
        if wanted is None and config.regions:
            wanted = list(config.regions)
        return LiveSource(
            session=session(options.get("profile")),
            regions=wanted,
            evidence=evidence,
            services=self.services,
            endpoint_url=options.get("endpoint_url"),
        )

    def demo(self, evidence: EvidenceStore) -> AbstractContextManager[LiveSource]:
        """The demo estate in an in-process moto."""
        return _demo(evidence, self.services)

    def permissions(self) -> str:
        """The IAM policy document, generated from the declared collector calls."""
        actions = sorted({c.permission for s in self.services for c in s.all_calls()})
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "LogwardReadOnly",
                        "Effect": "Allow",
                        "Action": actions,
                        "Resource": "*",
                    }
                ],
            },
            indent=2,
        )

    def partition(self, resource_id: str) -> str | None:
        """The partition an ARN names (aws, aws-cn, aws-us-gov)."""
        return arn_partition(resource_id)


@contextmanager
def _demo(evidence: EvidenceStore, services: Sequence[Service]) -> Iterator[LiveSource]:
    from scanner.providers.aws.demo import demo_session

    with demo_session() as (boto_session, regions):
        yield LiveSource(boto_session, regions, evidence, services, label="demo")
