"""Redaction: what must never reach an evidence file, a report or a log, whatever its source."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Keys whose values must never reach an evidence file or a report, compared lower-case with
# `_` and `-` removed (so SessionToken, session_token and X-Amz-Security-Token all match).
SECRET_KEYS = frozenset(
    {
        "authorization",
        "xamzsecuritytoken",
        "securitytoken",
        "sessiontoken",
        "secretaccesskey",
        "secretkey",
        "xamzsignature",
        "signature",
        "password",
        "secret",
        "secretstring",
        "secretbinary",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "clientsecret",
        "privatekey",
        "sastoken",
        "sharedaccesskey",
        "connectionstring",
        "apikey",
        "passwd",
        "passphrase",
        "credentials",
    }
)
# Query parameters that make a URL a credential: AWS SigV4 and SigV2 pre-signed URLs, Google
# Cloud Storage signed URLs, Azure shared access signatures.
_SIGNED_PARAMS = re.compile(
    r"(?:^|[?&])(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|"
    r"awsaccesskeyid|x-goog-signature|x-goog-credential|sig)=",
    re.IGNORECASE,
)
_URL = re.compile(r"""[a-z][a-z0-9+.-]*://[^\s"'<>]+""", re.IGNORECASE)
# Words that make a tag key name a secret (a tag `db_password`, `SlackToken`, `api-key`),
# matched anywhere in the key lower-cased with `_` and `-` removed: a tag's value is free text,
# and people do keep credentials there.
_SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "credential",
    "connectionstring",
    "signature",
)
# Keys holding tags as a {key: value} map (CloudWatch Logs, Terraform `tags` and `tags_all`).
_TAG_MAPS = frozenset({"tags", "tagsall", "tagset", "resourcetags", "defaulttags"})
# Error messages echo what was signed: AWS's SignatureDoesNotMatch quotes the canonical
# request (its headers carry x-amz-security-token) and the string to sign (the access key id
# in its scope). Nothing after the marker is worth keeping; everything there can be secret.
# The markers are AWS's words ("The Canonical String for this request should have been",
# "The String-to-Sign should have been"), S3's elements, and a labelled echo ("canonical
# request: ..."); prose that merely names a canonical request is kept.
_SIGNED_ECHO = re.compile(
    r"(?:\bthe\s+)?(?:canonical[ _-]?(?:string|request)\s+for\s+this\s+request|"
    r"string[ _-]?to[ _-]?sign\s+should\s+have\s+been|"
    r"(?:canonical[ _-]?(?:string|request)|string[ _-]?to[ _-]?sign)(?:[ _-]?bytes)?"
    r"[\"']?\s*[:=>]).*",
    re.I | re.S,
)
# A credential written as `name: value` or `name=value` (a header line, a query string, a
# config line, a JSON member); `authorization` to the end of its line, for its value has spaces.
_LABELLED = re.compile(
    r"""(\b(?:x-amz-security-token|x-amz-signature|x-amz-credential|aws_session_token|"""
    r"""aws_secret_access_key|session[_-]?token|security[_-]?token|secret[_-]?access[_-]?key|"""
    r"""client[_-]?secret|api[_-]?key|access[_-]?token|refresh[_-]?token|password|passwd|"""
    r"""credential|signature)["']?\s*[:=]\s*["']?)[^\s"',;&<]+|"""
    r"""(\bauthorization["']?\s*[:=]\s*)[^\n]+""",
    re.I,
)
# A word every _LABELLED label holds, lower-cased.
_LABEL_HINTS = ("token", "signature", "credential", "secret", "key", "passw", "authorization")
# AWS access key ids: long-term (AKIA) and temporary (ASIA), half of a credential pair.
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_WEB = ("http", "https")


def _key(name: object) -> str:
    return str(name).lower().replace("_", "").replace("-", "")


def _redact_url(match: re.Match[str]) -> str:
    url = match.group(0)
    base, sep, query = url.partition("?")
    return f"{base}?<redacted>" if sep and _SIGNED_PARAMS.search("?" + query) else url


def names_secret(key: object) -> bool:
    """Whether a tag key (or any free-form name) says its value is a secret."""
    name = _key(key)
    return any(word in name for word in _SECRET_WORDS)


def web_origin(url: str) -> str:
    """`scheme://host[:port]` of a URL: what a webhook endpoint may show, for its path and
    query are the credential (Slack's `hooks.slack.com/services/T../B../secret`)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "<redacted>"
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}"


def redact_text(text: str) -> str:
    """A string with every credential taken out: the canonical request and string to sign
    that a signature error quotes, labelled credentials (`x-amz-security-token:`, `password=`,
    `Authorization:`), AWS access key ids, and the query of a signed URL."""
    # Cheap substring tests first: this runs on every string of every response.
    if "://" in text and "?" in text:
        text = _URL.sub(_redact_url, text)
    lower = text.lower()
    if "canonical" in lower or "sign" in lower:
        text = _SIGNED_ECHO.sub("<redacted: the request as signed>", text)
    if ("=" in text or ":" in text) and any(hint in lower for hint in _LABEL_HINTS):
        text = _LABELLED.sub(lambda m: (m.group(1) or m.group(2)) + "<redacted>", text)
    if "AKIA" in text or "ASIA" in text:
        text = _ACCESS_KEY_ID.sub("<redacted>", text)
    return text


def redact(value: Any) -> Any:
    """A copy with credentials taken out: secret-bearing keys replaced, tags whose key names a
    secret emptied, webhook endpoints cut to scheme and host, what a Terraform plan marks
    sensitive replaced, and every string through `redact_text`."""
    if isinstance(value, Mapping):
        return _redact_mapping(value)
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _literal(value: Any) -> Any:
    """A value, or the literal a Terraform configuration expression holds
    (`{"constant_value": ...}`), so a plan's configuration is redacted like its values."""
    if isinstance(value, Mapping) and "constant_value" in value:
        return value["constant_value"]
    return value


def _wrapped(original: Any, literal: Any) -> Any:
    """`literal` back in the shape `original` had (inside `constant_value` or not)."""
    if isinstance(original, Mapping) and "constant_value" in original:
        return {**redact(original), "constant_value": literal}
    return literal


def _masked(value: Any, marks: Any) -> Any:
    """`value` with every part Terraform marks sensitive (`after_sensitive` and its kin: True
    where sensitive, else a structure of the same shape) replaced."""
    if marks is True:
        return "<redacted>"
    if isinstance(marks, Mapping) and isinstance(value, Mapping):
        return {k: _masked(v, marks.get(k)) for k, v in value.items()}
    if isinstance(marks, list) and isinstance(value, list):
        return [_masked(v, marks[i] if i < len(marks) else None) for i, v in enumerate(value)]
    return value


# A Terraform plan's change and a resource's values, beside the marks of what is sensitive.
_TERRAFORM_MARKS = (
    ("after", "after_sensitive"),
    ("before", "before_sensitive"),
    ("values", "sensitive_values"),
)


def _redact_mapping(value: Mapping[Any, Any]) -> dict[Any, Any]:
    for data, marks in _TERRAFORM_MARKS:
        if data in value and marks in value:
            value = {**value, data: _masked(value[data], value[marks])}
    named = [(_key(k), k, v) for k, v in value.items()]
    keys = {name: k for name, k, _v in named}
    out: dict[Any, Any] = {}
    for name, k, v in named:
        if name in SECRET_KEYS:
            out[k] = "<redacted>"
        elif name in _TAG_MAPS and isinstance(tags := _literal(v), Mapping):
            kept = {t: "<redacted>" if names_secret(t) else redact(tv) for t, tv in tags.items()}
            out[k] = _wrapped(v, kept)
        else:
            out[k] = redact(v)
    # A tag as {"Key": k, "Value": v} (most AWS APIs, S3 lifecycle filters).
    for key_name, value_name in (("key", "value"), ("tagkey", "tagvalue")):
        if key_name in keys and value_name in keys and names_secret(value[keys[key_name]]):
            out[keys[value_name]] = "<redacted>"
    # An SNS subscription (API or Terraform): an http(s) endpoint is a webhook URL.
    protocol, endpoint = keys.get("protocol"), keys.get("endpoint")
    if protocol is not None and endpoint is not None:
        url = _literal(value[endpoint])
        if isinstance(url, str) and str(_literal(value[protocol])).lower() in _WEB:
            out[endpoint] = _wrapped(value[endpoint], web_origin(url))
    return out
