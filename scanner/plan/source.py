"""`logward plan`: a Terraform plan (or state) file as a source of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.evidence import EvidenceStore
from scanner.model import Finding
from scanner.plan.inventory import plan_inventory
from scanner.plan.read import load_plan
from scanner.plan.sources import address_key, locate
from scanner.source import Collected, Deadline, PlanFacts, Progress, ScanFacts, SourceInfo, now_iso


@dataclass
class PlanSource:
    """The policies that can judge a plan (`evaluate_on: plan`), of every cloud. Account-scope
    policies need the whole account, which a plan rarely is: only with `assume_complete`.
    With `source_dir`, findings point at their `.tf` file and line."""

    path: Path
    assume_complete: bool = False
    source_dir: Path | None = None
    evidence: EvidenceStore | None = None

    @property
    def info(self) -> SourceInfo:
        """A plan: plan policies of every cloud; account scope only when assumed complete."""
        return SourceInfo(label="plan", kind="plan", clouds=None, complete=self.assume_complete)

    def collect(self, progress: Progress, deadline: Deadline | None = None) -> Collected:
        """Read, map and link the plan (local and quick: `deadline` does not apply)."""
        started = now_iso()
        plan = load_plan(self.path)
        planned = plan_inventory(plan, complete=self.assume_complete)
        if self.evidence is not None:
            for blob in planned.evidence.values():
                self.evidence.keep(blob)
        limits = [
            f"{len(addresses)} resource(s) of type {rtype} are not evaluated: "
            + ", ".join(addresses[:5])
            + (" ..." if len(addresses) > 5 else "")
            for rtype, addresses in sorted(planned.not_evaluated.items())
        ]
        limits += [f"the plan deletes {address}" for address in planned.deleted]
        if not self.assume_complete:
            limits.append(
                "account-scope policies are not evaluated on a plan "
                "(use --assume-complete when the plan is the whole account)"
            )
        facts = ScanFacts(
            accounts=[planned.account],
            limits=limits,
            started_at=started,
            plan=PlanFacts(str(self.path), planned.not_evaluated, planned.deleted),
        )
        where = locate(self.source_dir, plan) if self.source_dir is not None else None

        def place(finding: Finding) -> tuple[str, int] | None:
            # The first plan entry the finding cites: its own resource's, or for a
            # placeholder the resource that names it.
            address = next(
                (e.params.get("address") for e in finding.evidence if e.source == "terraform"),
                None,
            )
            return where.get(address_key(str(address))) if where and address else None

        return Collected(planned.inventory, facts, place if where is not None else None)
