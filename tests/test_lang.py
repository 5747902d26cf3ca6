"""The condition language on synthetic inventories, and every executable example of its docs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.model import Status
from scanner.policy.engine import evaluate, evaluate_one
from scanner.policy.lang import CompileError, Compiler, Context, combine_all, combine_any
from scanner.policy.loader import CompiledPolicy, Policy, compile_policies, load_policies
from scanner.yamlload import Located
from tests.support.inventory import inventory_from_data

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_DOC = ROOT / "docs" / "policy-language.md"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
P, F, E, U = Status.PASS, Status.FAIL, Status.ERROR, Status.UNKNOWN


def res(
    rtype: str, name: str, attrs: Mapping[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A plain-data resource whose id is its name."""
    return {"type": rtype, "id": name, "name": name, "attrs": dict(attrs or {}), **extra}


def trail(name: str = "main", **attrs: Any) -> dict[str, Any]:
    return res("aws.cloudtrail.trail", name, attrs)


def judge(
    condition: Any,
    subject: Mapping[str, Any],
    others: Iterable[Mapping[str, Any]] = (),
    errors: Iterable[Mapping[str, Any]] = (),
    params: Mapping[str, Any] | None = None,
    now: datetime = NOW,
) -> tuple[Status, tuple[str, ...]]:
    """The outcome of `condition` on `subject`, in an inventory of subject plus `others`."""
    inventory = inventory_from_data([subject, *others], errors)
    node = Compiler(params or {}).compile(condition, ("condition",))
    resource = inventory.get(subject["id"])
    assert resource is not None
    return node.fn(resource, resource.attrs, Context(inventory=inventory, now=now))


def status(condition: Any, subject: Mapping[str, Any], **kw: Any) -> Status:
    return judge(condition, subject, **kw)[0]


def reasons(condition: Any, subject: Mapping[str, Any], **kw: Any) -> str:
    return "; ".join(judge(condition, subject, **kw)[1])


def compiled_policy(
    condition: Any, rtype: str, select: Any = None, params: Mapping[str, Any] | None = None
) -> CompiledPolicy:
    """A CompiledPolicy around `condition`, as the loader would build it."""
    params = dict(params or {})
    policy = Policy(
        id="doc-example",
        title="Example policy holds for this resource",
        description="",
        severity="high",
        provider=rtype.split(".", 1)[0],
        resource=rtype,
        category="coverage",
        condition=condition,
        select=select,
        parameters={
            n: {"type": "string", "default": v, "description": ""} for n, v in params.items()
        },
        remediation={},
        references=(),
        report=(),
        evaluate_on=("live",),
        file="<doc>",
        digest="",
        doc=Located("<doc>", {}, {}),
    )
    compiler = Compiler(params)
    return CompiledPolicy(
        policy=policy,
        params=params,
        condition=compiler.compile(condition, ("condition",)),
        select=compiler.compile(select, ("select",)) if select is not None else None,
    )


# --- the executable examples of docs/policy-language.md -------------------------------------

EXAMPLE_HEAD = re.compile(r"^# example: (\S+)\s*$")
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)
OUTCOMES = ("pass", "fail", "error", "unknown", "excluded", "invalid")


def doc_examples() -> list[tuple[int, str, str]]:
    """(line, expected outcome, YAML text) of every block that starts with `# example:`."""
    text = LANGUAGE_DOC.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        body = match.group(1)
        head = EXAMPLE_HEAD.match(body.splitlines()[0]) if body.strip() else None
        if head:
            line = text.count("\n", 0, match.start()) + 1
            found.append((line, head.group(1), body))
    return found


def run_example(spec: Mapping[str, Any]) -> tuple[str, str]:
    """Evaluate one documentation example: (outcome, finding message or compile error)."""

    def with_id(data: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": data.get("name", "example"), **data}

    subject = with_id(spec["resource"])
    inventory = inventory_from_data(
        [subject, *map(with_id, spec.get("inventory", []))], spec.get("errors", [])
    )
    try:
        compiled = compiled_policy(
            spec["condition"], subject["type"], spec.get("select"), spec.get("parameters")
        )
    except CompileError as exc:
        return "invalid", f"at {'/'.join(map(str, exc.path))}: {exc.message}"
    now = datetime.fromisoformat(str(spec.get("now", NOW.isoformat())).replace("Z", "+00:00"))
    resource = inventory.get(subject["id"])
    assert resource is not None
    finding = evaluate_one(compiled, resource, inventory, now)
    if finding is None:
        return "excluded", ""
    return finding.status.value, finding.message


EXAMPLES = doc_examples()


def test_the_language_doc_has_examples_of_every_outcome() -> None:
    assert {expected for _, expected, _ in EXAMPLES} == set(OUTCOMES)
    assert len(EXAMPLES) >= 40


@pytest.mark.parametrize(
    ("line", "expected", "text"), EXAMPLES, ids=[f"line{line}-{exp}" for line, exp, _ in EXAMPLES]
)
def test_doc_example(line: int, expected: str, text: str) -> None:
    spec = yaml.safe_load(text)
    assert set(spec) <= {
        "resource",
        "inventory",
        "errors",
        "parameters",
        "select",
        "condition",
        "now",
        "message",
    }, f"docs line {line}: unknown example key"
    got, message = run_example(spec)
    assert got == expected, f"docs/policy-language.md:{line}: {got}: {message}"
    if "message" in spec:
        assert spec["message"] in message, f"docs/policy-language.md:{line}: got {message!r}"


# --- Kleene logic -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([P, P], P),
        ([P, F, U], F),
        ([E, F], F),
        ([P, E, U], E),
        ([U, E], E),
        ([P, U], U),
        ([U, U], U),
        ([P], P),
    ],
)
def test_all_is_kleene_and(outcomes: list[Status], expected: Status) -> None:
    got = combine_all([(s, (s.value,)) for s in outcomes])
    assert got[0] is expected
    # The reasons are those of the deciding members only.
    assert set(got[1]) == ({expected.value} if expected is not P else set())


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([F, F], F),
        ([F, P, E], P),
        ([U, P], P),
        ([F, U], U),
        ([F, E, U], E),
        ([E, U], E),
        ([F], F),
        ([], F),
    ],
)
def test_any_is_kleene_or(outcomes: list[Status], expected: Status) -> None:
    assert combine_any([(s, (s.value,)) for s in outcomes])[0] is expected


TRAIL = trail(
    is_multi_region=True,
    log_file_validation=False,
    status={"unknown": "known after apply"},
    kms_key_id={"error": "DescribeKey failed"},
)
OK = {"attr": "is_multi_region", "eq": True}
BAD = {"attr": "log_file_validation", "eq": True}
UNK = {"attr": "status.is_logging", "eq": True}
ERR = {"attr": "kms_key_id", "exists": True}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"all": [OK, UNK]}, U),
        ({"all": [OK, ERR, UNK]}, E),
        ({"all": [UNK, BAD, ERR]}, F),
        ({"all": [OK, OK]}, P),
        ({"any": [BAD, UNK]}, U),
        ({"any": [BAD, UNK, ERR]}, E),
        ({"any": [ERR, OK]}, P),
        ({"any": [BAD, BAD]}, F),
        ({"not": UNK}, U),
        ({"not": ERR}, E),
        ({"not": OK}, F),
        ({"not": BAD}, P),
        ({"not": {"any": [BAD, UNK]}}, U),
        ({"all": [{"not": BAD}, {"any": [UNK, OK]}]}, P),
    ],
)
def test_combinators_on_a_resource(condition: Any, expected: Status) -> None:
    assert status(condition, TRAIL) is expected


def test_all_reports_every_failure_and_any_joins_alternatives() -> None:
    both = trail(is_multi_region=False, log_file_validation=False)
    assert reasons({"all": [OK, BAD]}, both) == (
        "is_multi_region is false, expected true; log_file_validation is false, expected true"
    )
    assert reasons({"any": [OK, BAD]}, both) == (
        "none of: is_multi_region is false, expected true; "
        "or log_file_validation is false, expected true"
    )
    assert reasons({"not": OK}, trail(is_multi_region=True)) == (
        "expected not is_multi_region eq true"
    )


def test_unknowable_reasons_name_the_attribute() -> None:
    # An unknowable parent is reported once, under its own path.
    assert judge(UNK, TRAIL) == (U, ("status: known after apply",))
    assert judge(ERR, TRAIL) == (E, ("kms_key_id: DescribeKey failed",))
    assert judge({"attr": "nope.deeper", "eq": 1}, TRAIL) == (U, ("nope.deeper was not collected",))


def test_true_always_passes() -> None:
    assert judge(True, TRAIL) == (P, ())


# --- comparisons --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("eq", True, True, P),
        ("eq", 1, True, F),
        ("eq", True, 1, F),
        ("eq", None, None, P),
        ("eq", [1, 2], [1, 2], P),
        ("ne", "a", "b", P),
        ("ne", "a", "a", F),
        ("lt", 5, 4, P),
        ("le", 5, 5, P),
        ("gt", 5, 5, F),
        ("ge", 5, 5.0, P),
        ("ge", 5, "9", F),
        ("ge", 0, True, F),
        ("ge", 1, None, F),
        ("in", ["a", "b"], "a", P),
        ("in", ["a"], "c", F),
        ("not_in", ["a"], "c", P),
        ("contains", "b", ["a", "b"], P),
        ("contains", "x", "box", P),
        ("contains", "b", 5, F),
        ("not_contains", "b", ["a"], P),
        ("not_contains", "b", None, P),
        ("matches", "^arn:", "arn:aws", P),
        ("matches", "^arn:", "alias/x", F),
        ("matches", "x", 5, F),
        ("glob_in", ["arn:*:role/*"], "arn:aws:role/x", P),
        ("glob_in", ["Arn*"], "arn", F),
        ("glob_in", ["*"], None, F),
        ("exists", True, "x", P),
        ("exists", True, None, F),
        ("exists", False, None, P),
        ("exists", False, "", F),
        ("empty", True, [], P),
        ("empty", True, None, P),
        ("empty", True, {}, P),
        ("empty", True, "", P),
        ("empty", True, ["x"], F),
        ("empty", False, ["x"], P),
        ("empty", False, None, F),
    ],
)
def test_operator(op: str, value: Any, actual: Any, expected: Status) -> None:
    assert status({"attr": "x", op: value}, res("aws.x.thing", "t", {"x": actual})) is expected


def test_attr_at_sign_is_the_current_element() -> None:
    subject = res("aws.x.thing", "t", {"xs": ["a", "b"]})
    assert status({"each": "xs", "all": {"attr": "@", "in": ["a", "b"]}}, subject) is P
    assert reasons({"each": "xs", "all": {"attr": "@", "eq": "a"}}, subject) == (
        'xs[1]: value is "b", expected "a"'
    )


def test_null_parent_reads_as_null_not_as_uncollected() -> None:
    subject = res("aws.s3.bucket", "logs", {"logging": None})
    assert judge({"attr": "logging.enabled", "eq": True}, subject) == (
        F,
        ("logging.enabled is not set, expected true",),
    )
    assert status({"attr": "logging.enabled", "exists": False}, subject) is P


def test_non_mapping_parent_is_not_collected() -> None:
    subject = res("aws.s3.bucket", "logs", {"logging": "on"})
    assert judge({"attr": "logging.enabled", "eq": True}, subject) == (
        U,
        ("logging.enabled was not collected",),
    )


# --- within_hours against a fixed now -------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "hours", "expected"),
    [
        ("2026-11-26T11:00:00+00:00", 1, P),  # exactly on the boundary
        ("2026-11-26T10:59:59+00:00", 1, F),
        ("2026-11-26T11:30:00Z", 1, P),  # Z suffix
        ("2026-11-26T11:30:00", 1, P),  # no zone: UTC
        ("2026-11-26T13:30:00+02:00", 1, P),  # 11:30 UTC
        ("2026-11-26T12:30:00+01:00", 1, P),  # 11:30 UTC
        ("2026-11-26T12:30:00-01:00", 1, P),  # 13:30 UTC, after the scan: not stale
        ("2026-11-25T12:00:00+00:00", 24, P),
        ("2026-11-25T11:59:00+00:00", 24, F),
        ("2026-11-26T11:45:00+00:00", 0.5, P),
        ("yesterday", 24, F),
        (None, 24, F),
        (1764158400, 24, F),
    ],
)
def test_within_hours(moment: Any, hours: float, expected: Status) -> None:
    subject = trail(status={"latest_delivery_time": moment})
    got = status({"attr": "status.latest_delivery_time", "within_hours": hours}, subject)
    assert got is expected


def test_within_hours_uses_the_context_time() -> None:
    subject = trail(status={"latest_delivery_time": "2026-11-20T00:00:00Z"})
    cond = {"attr": "status.latest_delivery_time", "within_hours": 24}
    assert status(cond, subject, now=datetime(2026, 11, 20, 23, tzinfo=UTC)) is P
    assert judge(cond, subject) == (
        F,
        (
            'status.latest_delivery_time is "2026-11-20T00:00:00Z", '
            "expected within the last 24 hours",
        ),
    )


# --- parameters -----------------------------------------------------------------------------


def test_param_values_are_substituted() -> None:
    group = res("aws.logs.log_group", "audit", {"retention_days": 180})
    cond = {"attr": "retention_days", "ge": {"param": "min_days"}}
    assert status(cond, group, params={"min_days": 90}) is P
    assert judge(cond, group, params={"min_days": 365}) == (
        F,
        ("retention_days is 180, expected >= 365",),
    )


@pytest.mark.parametrize(
    ("cond", "value", "expected"),
    [
        ({"param": "scope", "eq": "all"}, "all", P),
        ({"param": "scope", "eq": "all"}, "audit", F),
        ({"param": "scope", "in": ["all", "audit"]}, "audit", P),
        ({"param": "scope", "ne": "all"}, "all", F),
    ],
)
def test_param_comparisons(cond: Any, value: Any, expected: Status) -> None:
    assert status(cond, trail(), params={"scope": value}) is expected


def test_param_comparison_failure_names_the_parameter() -> None:
    assert judge({"param": "scope", "eq": "all"}, trail(), params={"scope": "audit"}) == (
        F,
        ('parameter scope is "audit", expected "all"',),
    )


def test_param_comparison_with_a_param_value() -> None:
    cond = {"param": "days", "le": {"param": "cap"}}
    assert status(cond, trail(), params={"days": 30, "cap": 30}) is P
    assert status(cond, trail(), params={"days": 31, "cap": 30}) is F


def test_overrides_change_the_compiled_parameters(tmp_path: Path) -> None:
    policy = _write_policy(
        tmp_path,
        "aws-lang-retention",
        "aws.logs.log_group",
        """\
parameters:
  min_days: {type: integer, default: 365, description: Minimum days.}
condition: {attr: retention_days, ge: {param: min_days}}
""",
    )
    inventory = inventory_from_data([res("aws.logs.log_group", "audit", {"retention_days": 100})])
    default = compile_policies([policy], {})
    relaxed = compile_policies([policy], {policy.id: {"min_days": 90}})
    assert [f.status for f in evaluate(default, inventory, NOW)] == [F]
    assert [f.status for f in evaluate(relaxed, inventory, NOW)] == [P]


# --- each -------------------------------------------------------------------------------------

GRANTS = trail(
    tamper_grants=[
        {"principal": "service:cloudtrail", "action": "s3:PutObject"},
        {"principal": "arn:aws:iam::111111111111:user/alice", "action": "cloudtrail:StopLogging"},
        {"principal": {"unknown": "role in another account"}, "action": "cloudtrail:DeleteTrail"},
    ]
)
IS_SERVICE = {"attr": "principal", "matches": "^service:"}


@pytest.mark.parametrize(
    ("quant", "items", "expected"),
    [
        ("all", [True, True], P),
        ("all", [True, False], F),
        ("all", [], P),
        ("any", [False, True], P),
        ("any", [False, False], F),
        ("any", [], F),
        ("none", [False, False], P),
        ("none", [False, True], F),
        ("none", [], P),
    ],
)
def test_each_quantifiers(quant: str, items: list[bool], expected: Status) -> None:
    subject = res("aws.x.thing", "t", {"xs": [{"ok": v} for v in items]})
    assert status({"each": "xs", quant: {"attr": "ok", "eq": True}}, subject) is expected


@pytest.mark.parametrize(("quant", "expected"), [("all", F), ("any", P), ("none", F)])
def test_each_with_an_unknown_element(quant: str, expected: Status) -> None:
    assert status({"each": "tamper_grants", quant: IS_SERVICE}, GRANTS) is expected


def test_each_unknown_decides_when_nothing_fails() -> None:
    subject = trail(
        tamper_grants=[GRANTS["attrs"]["tamper_grants"][0], GRANTS["attrs"]["tamper_grants"][2]]
    )
    assert judge({"each": "tamper_grants", "all": IS_SERVICE}, subject) == (
        U,
        ("tamper_grants[1]: principal: role in another account",),
    )
    assert status({"each": "tamper_grants", "none": {"not": IS_SERVICE}}, subject) is U


def test_each_labels() -> None:
    # A label template is the whole reason of a failing element; missing fields print as ?.
    cond = {
        "each": "tamper_grants",
        "label": "{principal} can {action} via {via}",
        "all": IS_SERVICE,
    }
    assert reasons(cond, GRANTS) == (
        "arn:aws:iam::111111111111:user/alice can cloudtrail:StopLogging via ?"
    )
    assert reasons({"each": "tamper_grants", "all": IS_SERVICE}, GRANTS) == (
        'tamper_grants[1]: principal is "arn:aws:iam::111111111111:user/alice", expected to '
        "match /^service:/"
    )
    subject = trail(tamper_grants=[{"unknown": "policy not readable"}])
    assert judge(cond, subject) == (U, ("tamper_grants[0]: policy not readable",))


def test_each_none_and_any_wording() -> None:
    assert reasons({"each": "tamper_grants", "none": IS_SERVICE}, GRANTS).startswith(
        'tamper_grants[0]: expected not principal matches "^service:"'
    )
    subject = res("aws.x.thing", "t", {"xs": [{"n": i} for i in range(7)]})
    got = reasons({"each": "xs", "any": {"attr": "n", "gt": 10}}, subject)
    assert got.startswith(
        "element of xs: none meets n gt 10 (7 checked): xs[0]: n is 0, expected > 10; "
    )
    assert got.endswith("xs[4]: n is 4, expected > 10; and 2 more")
    assert reasons(
        {"each": "xs", "any": {"attr": "n", "gt": 10}}, res("aws.x.thing", "t", {"xs": []})
    ) == ("xs is empty, expected an element where n gt 10")


@pytest.mark.parametrize(
    ("value", "expected", "reason"),
    [
        (None, P, ""),
        ("text", F, 'xs is "text", expected a list'),
        ({"error": "ListThings failed"}, E, "xs: ListThings failed"),
        ({"unknown": "planned"}, U, "xs: planned"),
    ],
)
def test_each_over_odd_values(value: Any, expected: Status, reason: str) -> None:
    subject = res("aws.x.thing", "t", {"xs": value})
    assert judge({"each": "xs", "all": {"attr": "@", "eq": 1}}, subject) == (
        expected,
        (reason,) if reason else (),
    )


def test_each_over_an_uncollected_list() -> None:
    assert judge({"each": "xs", "any": {"attr": "@", "eq": 1}}, res("aws.x.thing", "t")) == (
        U,
        ("xs was not collected",),
    )


def test_each_nested_paths_are_relative_to_the_element() -> None:
    subject = res("aws.x.thing", "t", {"outer": [{"inner": [{"v": 1}, {"v": 2}]}]})
    cond = {"each": "outer", "all": {"each": "inner", "any": {"attr": "v", "eq": 2}}}
    assert status(cond, subject) is P


# --- follow -------------------------------------------------------------------------------------

BUCKET_OK = res("aws.s3.bucket", "good", {"object_lock": {"enabled": True}})
BUCKET_BAD = res("aws.s3.bucket", "bad", {"object_lock": {"enabled": False}})
FOREIGN = res(
    "aws.s3.bucket",
    "foreign",
    account="999999999999",
    placeholder="bucket foreign is in account 999999999999, outside this scan",
)
LOCKED = {"attr": "object_lock.enabled", "eq": True}


def linked_trail(*targets: str, **extra: Any) -> dict[str, Any]:
    return {**trail(), "links": {"bucket": list(targets)}, **extra}


@pytest.mark.parametrize(
    ("targets", "quant", "expected"),
    [
        (["good"], "all", P),
        (["good", "bad"], "all", F),
        ([], "all", P),
        (["good", "bad"], "any", P),
        (["bad"], "any", F),
        ([], "any", F),
        (["bad"], "none", P),
        (["good", "bad"], "none", F),
        ([], "none", P),
        (["good", "foreign"], "all", U),
        (["bad", "foreign"], "all", F),
        (["good", "foreign"], "any", P),
        (["bad", "foreign"], "any", U),
        (["bad", "foreign"], "none", U),
        (["good", "foreign"], "none", F),
    ],
)
def test_follow_quantifiers(targets: list[str], quant: str, expected: Status) -> None:
    got = status(
        {"follow": "bucket", quant: LOCKED},
        linked_trail(*targets),
        others=[BUCKET_OK, BUCKET_BAD, FOREIGN],
    )
    assert got is expected


def test_follow_labels_name_the_target() -> None:
    assert reasons(
        {"follow": "bucket", "all": LOCKED},
        linked_trail("good", "bad"),
        others=[BUCKET_OK, BUCKET_BAD],
    ) == ('bucket "bad": object_lock.enabled is false, expected true')
    assert reasons(
        {"follow": "bucket", "any": LOCKED}, linked_trail("bad"), others=[BUCKET_BAD]
    ) == (
        'bucket: none meets object_lock.enabled eq true: bucket "bad": object_lock.enabled is '
        "false, expected true"
    )
    assert reasons(
        {"follow": "bucket", "none": LOCKED}, linked_trail("good"), others=[BUCKET_OK]
    ) == ('bucket "good": expected not object_lock.enabled eq true')
    assert reasons({"follow": "log_group", "any": True}, trail()) == "log group: none linked"


def test_follow_into_a_placeholder_is_unknown_with_its_reason() -> None:
    assert judge(
        {"follow": "bucket", "all": LOCKED}, linked_trail("foreign"), others=[FOREIGN]
    ) == (U, ('bucket "foreign": bucket foreign is in account 999999999999, outside this scan',))


def test_follow_from_a_placeholder_is_unknown() -> None:
    cond = {"follow": "kms_key", "all": {"attr": "rotation_enabled", "eq": True}}
    assert judge(cond, FOREIGN) == (
        U,
        ("bucket foreign is in account 999999999999, outside this scan",),
    )
    assert judge({"linked": "trails"}, FOREIGN)[0] is U


@pytest.mark.parametrize(
    ("unresolved", "targets", "quant", "expected"),
    [
        ("could not resolve", [], "all", U),
        ("could not resolve", [], "any", U),
        ("could not resolve", [], "none", U),
        ({"error": "GetBucketAcl denied"}, [], "all", E),
        ("could not resolve", ["good"], "any", P),
        ("could not resolve", ["good"], "all", U),
        ("could not resolve", ["bad"], "all", F),
        ({"error": "denied"}, ["bad"], "any", E),
    ],
)
def test_follow_unresolved_links(
    unresolved: Any, targets: list[str], quant: str, expected: Status
) -> None:
    subject = linked_trail(*targets, unresolved={"bucket": unresolved})
    got = status({"follow": "bucket", quant: LOCKED}, subject, others=[BUCKET_OK, BUCKET_BAD])
    assert got is expected


def test_follow_unresolved_reason_is_labelled_with_the_link() -> None:
    subject = linked_trail(unresolved={"bucket": "bucket name not known until apply"})
    assert judge({"follow": "bucket", "all": LOCKED}, subject) == (
        U,
        ("bucket: bucket name not known until apply",),
    )


def test_follow_records_visited_resources_as_related() -> None:
    compiled = compiled_policy({"follow": "bucket", "all": LOCKED}, "aws.cloudtrail.trail")
    inventory = inventory_from_data([linked_trail("good"), BUCKET_OK])
    subject = inventory.get("main")
    assert subject is not None
    finding = evaluate_one(compiled, subject, inventory, NOW)
    assert finding is not None and finding.related == ("good",)


@pytest.mark.parametrize(
    ("subject", "expected", "reason"),
    [
        (linked_trail("good"), P, ""),
        (trail(), F, "bucket: none linked"),
        (linked_trail(unresolved={"bucket": "not resolvable"}), U, "bucket: not resolvable"),
        (linked_trail("good", unresolved={"bucket": "partial"}), P, ""),
    ],
)
def test_linked(subject: dict[str, Any], expected: Status, reason: str) -> None:
    assert judge({"linked": "bucket"}, subject, others=[BUCKET_OK]) == (
        expected,
        (reason,) if reason else (),
    )


# --- exists -------------------------------------------------------------------------------------

ACCOUNT = res("aws.account", "111111111111")
MULTI = {"attr": "is_multi_region", "eq": True}
DESCRIBE_TRAILS_DENIED = {
    "operation": "DescribeTrails",
    "region": "eu-west-1",
    "resource_types": ["aws.cloudtrail.trail"],
}


@pytest.mark.parametrize(
    ("trails", "errors", "expected"),
    [
        ([trail("a", is_multi_region=True)], [], P),
        ([trail("a", is_multi_region=False)], [], F),
        ([], [], F),
        ([trail("a", is_multi_region=True)], [DESCRIBE_TRAILS_DENIED], P),
        ([trail("a", is_multi_region=False)], [DESCRIBE_TRAILS_DENIED], E),
        ([], [DESCRIBE_TRAILS_DENIED], E),
        ([trail("a", is_multi_region={"unknown": "planned"})], [], U),
        ([trail("a", is_multi_region={"unknown": "planned"})], [DESCRIBE_TRAILS_DENIED], E),
        # A failure elsewhere, or for one named resource, does not hide a listing.
        ([], [{**DESCRIBE_TRAILS_DENIED, "account": "222222222222"}], F),
        ([], [{**DESCRIBE_TRAILS_DENIED, "resource_id": "arn:x"}], F),
    ],
)
def test_exists(
    trails: list[dict[str, Any]], errors: list[dict[str, Any]], expected: Status
) -> None:
    got = status(
        {"exists": "aws.cloudtrail.trail", "where": MULTI}, ACCOUNT, others=trails, errors=errors
    )
    assert got is expected


def test_exists_looks_only_in_the_same_account() -> None:
    elsewhere = {**trail("org", is_multi_region=True), "account": "222222222222"}
    assert judge(
        {"exists": "aws.cloudtrail.trail", "where": MULTI}, ACCOUNT, others=[elsewhere]
    ) == (F, ("no trail exists in account 111111111111",))


def test_exists_collection_error_reason() -> None:
    assert judge({"exists": "aws.cloudtrail.trail"}, ACCOUNT, errors=[DESCRIBE_TRAILS_DENIED]) == (
        E,
        ("collection: DescribeTrails failed in 111111111111/eu-west-1: AccessDenied: denied",),
    )


def test_exists_without_where_is_any_resource() -> None:
    assert status({"exists": "aws.cloudtrail.trail"}, ACCOUNT, others=[trail("a")]) is P


# --- messages through the engine -----------------------------------------------------------------


def _write_policy(folder: Path, pid: str, rtype: str, body: str) -> Policy:
    path = folder / f"{pid}.yaml"
    path.write_text(
        f"""\
id: {pid}
title: A policy written by the language tests
description: >-
  Written by tests/test_lang.py to run the real loader, compiler and engine together.
severity: high
provider: aws
resource: {rtype}
category: immutability
remediation: {{summary: Fix it.}}
references: [{{source: tests}}]
{body}""",
        encoding="utf-8",
    )
    (policy,) = load_policies([path])
    return policy


def test_message_wording(tmp_path: Path) -> None:
    policy = _write_policy(
        tmp_path,
        "aws-lang-validation",
        "aws.cloudtrail.trail",
        "condition: {attr: log_file_validation, eq: true}\n",
    )
    inventory = inventory_from_data(
        [trail("x", log_file_validation=False), trail("y", log_file_validation=True)]
    )
    findings = {
        f.resource_name: f for f in evaluate(compile_policies([policy], {}), inventory, NOW)
    }
    assert findings["x"].message == 'trail "x": log_file_validation is false, expected true'
    assert findings["y"].message == 'trail "y": A policy written by the language tests'


def test_message_dedupes_and_caps_reasons(tmp_path: Path) -> None:
    policy = _write_policy(
        tmp_path,
        "aws-lang-many",
        "aws.cloudtrail.trail",
        """\
condition:
  each: tamper_grants
  all: {attr: principal, eq: none}
""",
    )
    grants = [{"principal": f"p{i}"} for i in range(10)] + [{"principal": "p0"}]
    inventory = inventory_from_data([trail("x", tamper_grants=grants)])
    (finding,) = evaluate(compile_policies([policy], {}), inventory, NOW)
    assert finding.message.startswith(
        'trail "x": tamper_grants[0]: principal is "p0", expected "none"; tamper_grants[1]: '
    )
    assert finding.message.endswith("; and 3 more")


def test_select_outcomes(tmp_path: Path) -> None:
    policy = _write_policy(
        tmp_path,
        "aws-lang-select",
        "aws.s3.bucket",
        """\
select: {linked: trails}
condition: {attr: object_lock.enabled, eq: true}
""",
    )
    inventory = inventory_from_data(
        [
            {**BUCKET_OK, "links": {"trails": ["main"]}},
            BUCKET_BAD,
            {
                **res("aws.s3.bucket", "maybe", {"object_lock": {"enabled": True}}),
                "unresolved": {"trails": {"error": "ListTrails failed"}},
            },
        ]
    )
    findings = {
        f.resource_name: f for f in evaluate(compile_policies([policy], {}), inventory, NOW)
    }
    assert set(findings) == {"good", "maybe"}
    assert findings["good"].status is P
    assert findings["maybe"].status is E
    assert findings["maybe"].message == (
        'bucket "maybe": cannot tell whether the policy applies: trails: ListTrails failed'
    )


def test_listing_error_becomes_an_error_finding(tmp_path: Path) -> None:
    policy = _write_policy(
        tmp_path,
        "aws-lang-listing",
        "aws.cloudtrail.trail",
        "condition: {attr: log_file_validation, eq: true}\n",
    )
    inventory = inventory_from_data([], [{**DESCRIBE_TRAILS_DENIED, "region": "us-east-1"}])
    (finding,) = evaluate(compile_policies([policy], {}), inventory, NOW)
    assert finding.status is E
    assert finding.message == (
        "could not list aws.cloudtrail.trail: DescribeTrails failed in "
        "111111111111/us-east-1: AccessDenied: denied"
    )


# --- compile errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "path", "fragment"),
    [
        ("yes", ("condition",), 'expected a condition mapping, got "yes"'),
        ({}, ("condition",), "expected a condition mapping"),
        ({"both": []}, ("condition",), "unknown condition ['both']; expected one of all, any"),
        ({"all": []}, ("condition", "all"), "expected a non-empty list of conditions"),
        ({"any": {"attr": "x", "eq": 1}}, ("condition", "any"), "expected a non-empty list"),
        ({"all": [OK], "any": [OK]}, ("condition",), "unexpected key(s) ['any'] beside ['all']"),
        (
            {"all": [OK, {"attr": "x", "equals": 1}]},
            ("condition", "all", 1),
            "unknown operator 'equals'",
        ),
        (
            {"attr": "x"},
            ("condition",),
            "a comparison takes exactly one operator; expected one of eq, ne, lt",
        ),
        ({"attr": "x", "eq": 1, "ne": 2}, ("condition",), "exactly one operator"),
        ({"attr": "", "eq": 1}, ("condition", "attr"), "attr must be a dotted attribute path"),
        ({"attr": "x", "in": "abc"}, ("condition", "in"), "operator 'in' expects a list"),
        (
            {"attr": "x", "glob_in": {"param": "s"}},
            ("condition", "glob_in"),
            "operator 'glob_in' expects a list",
        ),
        (
            {"attr": "x", "within_hours": "24"},
            ("condition", "within_hours"),
            "operator 'within_hours' expects a number",
        ),
        ({"attr": "x", "within_hours": True}, ("condition", "within_hours"), "expects a number"),
        ({"attr": "x", "matches": "(["}, ("condition", "matches"), "invalid regular expression"),
        (
            {"attr": "x", "eq": {"param": "nope"}},
            ("condition", "eq"),
            "parameter 'nope' is not declared in `parameters`",
        ),
        (
            {"attr": "x", "eq": {"a": 1}},
            ("condition", "eq"),
            "a value mapping must be {param: NAME}",
        ),
        ({"param": "nope", "eq": 1}, ("condition",), "parameter 'nope' is not declared"),
        (
            {"not": {"any": [OK, {"attr": "x", "lt": {"param": "nope"}}]}},
            ("condition", "not", "any", 1, "lt"),
            "parameter 'nope' is not declared",
        ),
        ({"each": "xs"}, ("condition",), "`each` takes exactly one of any, all, none"),
        ({"each": "xs", "any": OK, "all": OK}, ("condition",), "exactly one of any, all, none"),
        ({"each": "", "any": OK}, ("condition", "each"), "each must name a list attribute"),
        (
            {"each": "xs", "all": OK, "label": 3},
            ("condition", "label"),
            "label must be a string template",
        ),
        ({"each": "xs", "all": OK, "where": OK}, ("condition",), "unexpected key(s) ['where']"),
        (
            {"each": "xs", "all": {"attr": "x", "bogus": 1}},
            ("condition", "all"),
            "unknown operator 'bogus'",
        ),
        ({"follow": 5, "any": OK}, ("condition", "follow"), "follow must name a link"),
        ({"follow": "bucket", "any": [OK]}, ("condition", "any"), "expected a condition mapping"),
        ({"linked": ""}, ("condition", "linked"), "linked must name a link"),
        ({"linked": "x", "any": OK}, ("condition",), "unexpected key(s) ['any'] beside ['linked']"),
        (
            {"exists": "trail"},
            ("condition", "exists"),
            "exists must name a resource type: <cloud>.<service>.<kind>",
        ),
        (
            {"exists": "aws.cloudtrail.trail", "where": {"attr": "x", "zz": 1}},
            ("condition", "where"),
            "unknown operator 'zz'",
        ),
        (
            {"exists": "aws.cloudtrail.trail", "all": OK},
            ("condition",),
            "unexpected key(s) ['all']",
        ),
    ],
)
def test_compile_errors(condition: Any, path: tuple[str | int, ...], fragment: str) -> None:
    with pytest.raises(CompileError) as info:
        Compiler({"s": "text"}).compile(condition, ("condition",))
    assert info.value.path == path
    assert fragment in info.value.message


def test_compile_error_in_a_file_names_line_and_path(tmp_path: Path) -> None:
    from scanner.errors import InputError

    with pytest.raises(InputError) as info:
        _write_policy(
            tmp_path,
            "aws-lang-broken",
            "aws.cloudtrail.trail",
            """\
condition:
  all:
    - {attr: is_multi_region, eq: true}
    - follow: bucket
      any:
        - {attr: object_lock.enabled, is: true}
""",
        )
    (problem,) = info.value.problems
    assert problem.file.endswith("aws-lang-broken.yaml")
    assert problem.line == 15  # the `any:` key
    assert problem.message == "at condition/all/1/any: expected a condition mapping, got [{...}]"


# --- operand types, checked when the policy loads -----------------------------------------------


@pytest.mark.parametrize(
    ("condition", "params", "path", "message"),
    [
        (
            {"attr": "n", "lt": "5"},
            {},
            ("condition", "lt"),
            "operator 'lt' expects a number, got \"5\"",
        ),
        (
            {"attr": "n", "ge": {"param": "p"}},
            {"p": "365"},
            ("condition", "ge"),
            "operator 'ge' expects a number, got \"365\"",
        ),
        (
            {"attr": "s", "matches": 5},
            {},
            ("condition", "matches"),
            "operator 'matches' expects a string, got 5",
        ),
        (
            {"attr": "s", "glob_in": [5]},
            {},
            ("condition", "glob_in"),
            "operator 'glob_in' expects a list of patterns, got [5]",
        ),
        (
            {"attr": "x", "exists": "false"},
            {},
            ("condition", "exists"),
            "operator 'exists' expects true or false, got \"false\"",
        ),
        (
            {"attr": "x", "empty": 1},
            {},
            ("condition", "empty"),
            "operator 'empty' expects true or false, got 1",
        ),
        (
            {"attr": "x", "covers_pattern": "{ $.a = "},
            {},
            ("condition", "covers_pattern"),
            "invalid filter pattern: ",
        ),
    ],
)
def test_operand_types_are_checked_at_compile_time(
    condition: Any, params: dict[str, Any], path: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CompileError) as info:
        Compiler(params).compile(condition, ("condition",))
    assert info.value.path == path
    assert info.value.message.startswith(message)


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("contains", 5, "abc", F),
        ("not_contains", 5, "abc", P),
        ("contains", "a", ["a"], P),
        ("contains", 1, [True], F),
        ("contains", True, [True], P),
    ],
)
def test_contains_never_raises_on_mixed_types(
    op: str, value: Any, actual: Any, expected: Status
) -> None:
    assert status({"attr": "x", op: value}, res("aws.x.thing", "t", {"x": actual})) is expected


@pytest.mark.parametrize("template", ["{a.b}", "{a[0]}", "{0}", "{", "{a!z}"])
def test_a_label_that_does_not_fit_falls_back_to_the_index(template: str) -> None:
    cond = {"each": "xs", "label": template, "all": {"attr": "a", "eq": 1}}
    assert judge(cond, res("aws.x.thing", "t", {"xs": [{"a": 5}]})) == (F, ("xs[0]",))


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("ne", 1, True, P),
        ("ne", True, True, F),
        ("not_in", [1], True, P),
        ("in", [1, 0], False, F),
        ("in", [False], False, P),
        ("not_in", [0], False, P),
    ],
)
def test_booleans_are_not_numbers_for_every_operator(
    op: str, value: Any, actual: Any, expected: Status
) -> None:
    assert status({"attr": "x", op: value}, res("aws.x.thing", "t", {"x": actual})) is expected
