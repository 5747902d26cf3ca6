"""What a cloud declares to have its Terraform resources judged: the `TerraformProvider` an
adapter carries (`Adapter.terraform`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.link import Ref
from scanner.model import Resource
from scanner.plan.context import Mapped, PlanContext, PlanResource, TypeMapping

Change = Mapping[str, Any]  # one entry of the plan's resource_changes


@dataclass(frozen=True)
class TerraformProvider:
    """One cloud's Terraform resources as logward types.

    `types` map one Terraform type onto one logward type. `parts` are types that configure
    another resource (aws_s3_bucket_versioning: the argument that names the owner, and the
    owner's types); `attached` attach to an owner several at a time (flow logs to a VPC);
    `consumed` are read only as part of others, so they are not "not evaluated". `handles`
    are the attributes a literal may use to name a resource. `scope` builds the account and
    location resources of the plan (each may come with its links, as a `Mapped`: Azure's
    implied Log Analytics tables and their workspace); `literal` turns a literal that names a
    link target (a bucket name, an ARN) into a reference; `log_stores(plan)` says which planned
    changes are changes of log stores (destroying one is a finding); `change_attrs(plan)`, when
    a cloud has it, adds its own attributes to each such change (Azure: whether an update
    weakens an immutability policy, a lock or a retention).
    """

    provider: str
    types: Mapping[str, TypeMapping]
    parts: Mapping[str, tuple[str, tuple[str, ...]]]
    attached: Mapping[str, Callable[[PlanResource, PlanContext], PlanResource | None]]
    consumed: frozenset[str]
    handles: tuple[str, ...]
    scope: Callable[[PlanContext, Sequence[Resource]], Sequence[Resource | Mapped]]
    literal: Callable[[str, str, Resource, PlanContext], Ref]
    log_stores: Callable[[Mapping[str, Any]], Callable[[Change], bool]]
    change_attrs: Callable[[Mapping[str, Any]], Callable[[Change], Mapping[str, Any]]] | None = None

    def holds(self, tf_type: str) -> bool:
        """Whether a Terraform type belongs to this provider (`aws_` types to aws)."""
        return tf_type.startswith(f"{self.provider}_")
