"""CloudTrail event selectors reduced to coverage, one direction (read, write) at a time.

A trail records an event when *some* selector matches it (EventSelector and PutEventSelectors
in the CloudTrail API Reference: "if the event matches any event selector, the trail
processes and logs the event"). So coverage is a union over selectors, taken separately for
read and for write events: a selector that covers only reads says nothing about writes, and an
exclusion is lost only when every selector covering that direction leaves the event out.

Within one advanced selector the fields are ANDed; within one field, the values of the
including operators (Equals, StartsWith, EndsWith) are ORed and the values of the excluding
operators (NotEquals, NotStartsWith, NotEndsWith) each exclude what they match
(AdvancedFieldSelector, CloudTrail API Reference). Where a field's effect cannot be decided
here, the selector is not credited: coverage is never over-stated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DIRECTIONS = ("read", "write")
# readOnly in the event record: "true" for read events, "false" for write events.
READ_ONLY = {"read": "true", "write": "false"}
# Basic selectors' ReadWriteType (EventSelector, CloudTrail API Reference).
READ_WRITE = {"ReadOnly": ("read",), "WriteOnly": ("write",), "All": DIRECTIONS}

# S3 object-level API actions logged as data events of resources.type AWS::S3::Object, and
# whether each is a read (readOnly true) or a write. The list is "Amazon S3 object-level
# actions tracked by AWS CloudTrail logging" and the bucket-level operations logged as
# object-level data events (ListObjects, ListObjectsV2, ListObjectVersions, HeadBucket),
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html, with
# the object lock, legal hold, tagging and select operations of the S3 API Reference. Reads
# return data or metadata; writes create, change or delete objects or their settings.
S3_OBJECT_EVENTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "GetObject",
            "GetObjectAcl",
            "GetObjectAttributes",
            "GetObjectLegalHold",
            "GetObjectRetention",
            "GetObjectTagging",
            "GetObjectTorrent",
            "HeadBucket",
            "HeadObject",
            "ListObjects",
            "ListObjectsV2",
            "ListObjectVersions",
            "ListParts",
            "SelectObjectContent",
        ),
        "read",
    ),
    **dict.fromkeys(
        (
            "AbortMultipartUpload",
            "CompleteMultipartUpload",
            "CopyObject",
            "CreateMultipartUpload",
            "DeleteObject",
            "DeleteObjectTagging",
            "DeleteObjects",
            "PostObject",
            "PutObject",
            "PutObjectAcl",
            "PutObjectLegalHold",
            "PutObjectRetention",
            "PutObjectTagging",
            "RestoreObject",
            "UploadPart",
            "UploadPartCopy",
        ),
        "write",
    ),
}
S3_OBJECT = "AWS::S3::Object"
# Every S3 object data event has these event-record values.
S3_EVENT_SOURCE = "s3.amazonaws.com"
S3_EVENT_TYPE = "AwsApiCall"
INCLUDE = ("Equals", "StartsWith", "EndsWith")
EXCLUDE = {"NotEquals": "Equals", "NotStartsWith": "StartsWith", "NotEndsWith": "EndsWith"}
# Fields a data selector may filter on whose effect this module decides.
DECIDED = {"eventCategory", "resources.type", "readOnly", "eventName", "resources.ARN"}


def _hit(op: str, pattern: str, value: str) -> bool:
    if op == "Equals":
        return value == pattern
    if op == "StartsWith":
        return value.startswith(pattern)
    return value.endswith(pattern)


def matches(selector: Mapping[str, Any] | None, value: str) -> bool:
    """Whether a field selector lets an event whose field holds `value` through (no selector:
    no filter on that field)."""
    if not selector:
        return True
    included = [(op, v) for op in INCLUDE for v in selector.get(op) or []]
    if included and not any(_hit(op, v, value) for op, v in included):
        return False
    excluded = [(pos, v) for neg, pos in EXCLUDE.items() for v in selector.get(neg) or []]
    return not any(_hit(op, v, value) for op, v in excluded)


# --------------------------------------------------------------------------------------------
# Management events: per direction, the sources recorded are either "all but E" or "only S".
# --------------------------------------------------------------------------------------------


@dataclass
class Sources:
    """Event sources one direction records: every source but `excluded` (complement) or only
    `only`."""

    complement: bool = False
    excluded: set[str] = field(default_factory=set)
    only: set[str] = field(default_factory=set)

    def add(self, other: Sources) -> None:
        """Union with what another selector records."""
        if self.complement and other.complement:
            self.excluded &= other.excluded
        elif self.complement:
            self.excluded -= other.only
        elif other.complement:
            self.complement, self.excluded = True, other.excluded - self.only
        else:
            self.only |= other.only


def _source_filter(selector: Mapping[str, Any] | None) -> Sources:
    """What an eventSource field lets through. Only Equals and NotEquals name sources; a
    pattern that includes is not credited (it names no source we can count), a pattern that
    excludes is kept as a loss, spelled with its operator."""
    if not selector:
        return Sources(complement=True)
    excluded = set(selector.get("NotEquals") or [])
    for op in ("NotStartsWith", "NotEndsWith"):
        excluded |= {f"{op} {v}" for v in selector.get(op) or []}
    if any(selector.get(op) for op in INCLUDE):
        return Sources(only=set(selector.get("Equals") or []) - excluded)
    return Sources(complement=True, excluded=excluded)


def management(
    basic: Sequence[Mapping[str, Any]] | None,
    advanced: Sequence[Mapping[str, Any]] | None,
    default_all: bool,
) -> dict[str, Any]:
    """Which management events each direction records, and the sources it loses."""
    got = {d: Sources() for d in DIRECTIONS}
    if default_all:
        for d in DIRECTIONS:
            got[d].add(Sources(complement=True))
    for selector in basic or ():
        if selector.get("IncludeManagementEvents", True):
            sources = Sources(
                complement=True, excluded=set(selector.get("ExcludeManagementEventSources") or [])
            )
            for d in READ_WRITE.get(selector.get("ReadWriteType") or "All", ()):
                got[d].add(sources)
    for selector in advanced or ():
        fields = _fields(selector)
        if "eventCategory" not in fields or not matches(fields["eventCategory"], "Management"):
            continue
        # Trails filter management events on eventCategory, eventSource and readOnly only
        # (AdvancedEventSelector, CloudTrail API Reference); any other field narrows the
        # selector to some events, and such a selector covers no source completely.
        if set(fields) - {"eventCategory", "eventSource", "readOnly"}:
            continue
        sources = _source_filter(fields.get("eventSource"))
        for d in DIRECTIONS:
            if matches(fields.get("readOnly"), READ_ONLY[d]):
                got[d].add(sources)
    lost = {d: sorted(got[d].excluded) if got[d].complement else [] for d in DIRECTIONS}
    return {
        "read": got["read"].complement,
        "write": got["write"].complement,
        "excluded_sources": sorted({*lost["read"], *lost["write"]}),
        "read_excluded_sources": lost["read"],
        "write_excluded_sources": lost["write"],
    }


def _fields(selector: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The field selectors by field. A field given twice would be ANDed with itself; rather
    than judge that, such a selector is treated as having no eventCategory: not credited."""
    listed = [f for f in selector.get("FieldSelectors") or [] if isinstance(f, Mapping)]
    out = {str(f.get("Field")): f for f in listed}
    return out if len(out) == len(listed) else {}


# --------------------------------------------------------------------------------------------
# S3 object data events: per direction, per event name, on which object ARNs.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSelector:
    """One selector of S3 object data events: the directions and event names (None: every
    name) it admits, and the object ARNs it covers: ARN prefixes (a basic selector's Values)
    or a resources.ARN field selector (None: every object)."""

    directions: tuple[str, ...]
    names: Mapping[str, Any] | None
    narrowed: bool
    prefixes: tuple[str, ...] | None = None
    arn: Mapping[str, Any] | None = None

    def records(self, direction: str, name: str) -> bool:
        """Whether every event `name` of `direction` on the covered objects is recorded."""
        return direction in self.directions and not self.narrowed and matches(self.names, name)

    def covers(self, arn: str) -> bool:
        """Whether the object `arn` is covered."""
        if self.prefixes is not None:
            return any(arn.startswith(p) for p in self.prefixes)
        return matches(self.arn, arn)

    def values(self) -> Iterator[tuple[str, str]]:
        """(operator, value) of every ARN this selector names."""
        for p in self.prefixes or ():
            yield "StartsWith", p
        for op in (*INCLUDE, *EXCLUDE):
            for v in (self.arn or {}).get(op) or []:
                yield op, v


# A character no ARN value contains: `prefix + FRESH` extends `prefix` and no longer value.
FRESH = "\uffff"


def witnesses(root: str, selectors: Sequence[DataSelector]) -> list[str]:
    """Object ARNs of the partition, one for each way the selectors' ARN values can split it:
    for every prefix named (and `root`), an object under it that extends no longer value, with
    and without each suffix named; and every exact object ARN named. Two objects with the same
    longest matching prefix, longest matching suffix and exact value are covered by the same
    selectors, so the selectors cover every object (of a bucket) exactly when they cover every
    witness (of that bucket)."""
    prefixes, suffixes, exact = {root}, {""}, set()
    for s in selectors:
        for op, v in s.values():
            if op.endswith("EndsWith"):
                suffixes.add(v)
            elif v.startswith(root):
                prefixes.add(v)
                if op.endswith("Equals") and "/" in v[len(root) :]:
                    exact.add(v)
    # Each bucket named, as a whole, so that its objects outside every named prefix are tried.
    prefixes |= {f"{root}{b}/" for b in _buckets(root, selectors)}
    out = set(exact)
    for p in prefixes:
        # An object ARN is root + bucket + "/" + key: under a bucket-name prefix, try both an
        # object of a longer bucket name and one of the bucket named exactly.
        bases = [p + FRESH] if "/" in p[len(root) :] else [p + FRESH + "/" + FRESH, p + "/" + FRESH]
        out |= {b + x for b in bases for x in suffixes}
    return sorted(out)


def _buckets(root: str, selectors: Sequence[DataSelector]) -> list[str]:
    """Buckets the selectors name in full (`root` + bucket, then `/` or nothing)."""
    named = set()
    for s in selectors:
        for op, v in s.values():
            if not op.endswith("EndsWith") and v.startswith(root) and len(v) > len(root):
                named.add(v[len(root) :].partition("/")[0])
    return sorted(named)


def _advanced_s3(selector: Mapping[str, Any]) -> DataSelector | None:
    fields = _fields(selector)
    for name, value in (("eventCategory", "Data"), ("resources.type", S3_OBJECT)):
        if name not in fields or not matches(fields[name], value):
            return None
    directions = tuple(d for d in DIRECTIONS if matches(fields.get("readOnly"), READ_ONLY[d]))
    # eventSource and eventType hold one value for every S3 object event: a filter on them
    # lets all of them through or none. Any other field (userIdentity.arn, errorCode,
    # vpcEndpointId, sessionCredentialFromConsole, ...) keeps only some callers' or some
    # outcomes' events: the selector then records no event name completely.
    for name, value in (("eventSource", S3_EVENT_SOURCE), ("eventType", S3_EVENT_TYPE)):
        if not matches(fields.pop(name, None), value):
            return None
    narrowed = bool(set(fields) - DECIDED)
    return DataSelector(
        directions, fields.get("eventName"), narrowed, arn=fields.get("resources.ARN")
    )


def _basic_s3(selector: Mapping[str, Any]) -> list[DataSelector]:
    out = []
    directions = READ_WRITE.get(selector.get("ReadWriteType") or "All", ())
    for resource in selector.get("DataResources") or []:
        if resource.get("Type") == S3_OBJECT and resource.get("Values"):
            # Values are ARN prefixes: `arn:aws:s3` every bucket, `arn:aws:s3:::bucket/` one
            # bucket, `arn:aws:s3:::bucket/prefix` part of one (DataResource, CloudTrail API
            # Reference).
            prefixes = tuple(resource["Values"])
            out.append(DataSelector(directions, None, False, prefixes=prefixes))
    return out


def _unclassified(selectors: Sequence[DataSelector]) -> list[str]:
    """Event names an exclusion removes that are not S3 object events classified above: an S3
    action added after this list, or a typo. Their direction is unknown, so they count against
    both. A pattern stands for the names it matches (`Rename*`, `*Object`)."""
    out: list[str] = []
    for s in selectors:
        names = s.names or {}
        for v in names.get("NotEquals") or []:
            if v not in S3_OBJECT_EVENTS:
                out.append(v)
        for op, shown in (("NotStartsWith", "{}*"), ("NotEndsWith", "*{}")):
            for v in names.get(op) or []:
                if not any(_hit(EXCLUDE[op], v, n) for n in S3_OBJECT_EVENTS):
                    out.append(shown.format(v))
    return sorted(set(out))


def s3_objects(
    basic: Sequence[Mapping[str, Any]] | None,
    advanced: Sequence[Mapping[str, Any]] | None,
    partition: str,
) -> dict[str, Any]:
    """Per direction: whether every S3 object event of that direction is recorded on every
    object of every bucket of the partition, which event names are not, and which buckets have
    every event of that direction recorded on all their objects. Selectors are ORed: a bucket
    one selector leaves out may be covered by another."""
    root = f"arn:{partition}:s3:::"
    selectors: list[DataSelector] = []
    for selector in basic or ():
        selectors.extend(_basic_s3(selector))
    for selector in advanced or ():
        found = _advanced_s3(selector)
        if found is not None:
            selectors.append(found)
    arns = witnesses(root, selectors)
    extra = _unclassified(selectors)
    out: dict[str, Any] = {}
    for d in DIRECTIONS:
        names = sorted(n for n, nd in S3_OBJECT_EVENTS.items() if nd == d) + extra

        def whole(objects: list[str], name: str, d: str = d) -> bool:
            return all(any(s.records(d, name) and s.covers(a) for s in selectors) for a in objects)

        missing = [n for n in names if not whole(arns, n)]
        buckets = [
            b
            for b in _buckets(root, selectors)
            if all(whole([a for a in arns if a.startswith(f"{root}{b}/")], n) for n in names)
        ]
        out[f"{d}_all_buckets"] = not missing
        out[f"{d}_buckets"] = buckets if missing else []
        out[f"{d}_events_missing"] = missing
    return {
        k: out[k]
        for k in (
            "read_all_buckets",
            "write_all_buckets",
            "read_buckets",
            "write_buckets",
            "read_events_missing",
            "write_events_missing",
        )
    }
