"""Responses of the GAPIC (proto) clients as the REST JSON the API documents.

Every GCP normalizer starts from the REST JSON shape (camelCase keys, enum names, int64 as
strings, durations as "7776000s"), whichever transport fetched it, so that fixtures, evidence
and the Terraform mapper share one shape. proto-plus messages and raw protobuf messages (the
`google.iam.v1` policy types) convert through protobuf's own JSON printer, which is the
canonical proto3 JSON mapping the REST APIs speak.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message


def rest_json(message: Any) -> dict[str, Any]:
    """The REST JSON of one response message (proto-plus or raw protobuf)."""
    raw = message if isinstance(message, Message) else type(message).pb(message)
    # preserving_proto_field_name=False: camelCase json names, as the REST docs spell them;
    # enums as names (the REST docs' values), never the integers the GAPIC REST transport asks for.
    found: dict[str, Any] = MessageToDict(
        raw, preserving_proto_field_name=False, use_integers_for_enums=False
    )
    return found
