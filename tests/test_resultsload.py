"""Reading results.json back: logward's line layout item by item, any other layout whole, the
same document either way; a cut or extended file is refused naming where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputError
from scanner.results import load_results, render_json

VALID = Path(__file__).resolve().parent / "inputs" / "bounded" / "valid.results.json"


@pytest.fixture
def results() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(VALID.read_text(encoding="utf-8"))
    return loaded


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "results.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "layout",
    [
        "logward",
        "a list last",
        "indented",
        "one line",
        "CRLF",
    ],
)
def test_every_layout_reads_the_same_document(
    layout: str, results: dict[str, Any], tmp_path: Path
) -> None:
    if layout == "logward":
        text = render_json(results).decode()
    elif layout == "a list last":  # `]}` closes both the list and the document
        reordered = {k: v for k, v in results.items() if k != "errors"}
        reordered["errors"] = []
        text = render_json(reordered).decode()
        assert text.rstrip().endswith("[]}")
        results = reordered
    elif layout == "indented":
        text = json.dumps(results, indent=2)
    elif layout == "one line":
        text = json.dumps(results)
    else:
        text = render_json(results).decode().replace("\n", "\r\n")
    assert load_results(_write(tmp_path, text)) == results


def test_a_list_last_with_items(results: dict[str, Any], tmp_path: Path) -> None:
    reordered = {k: v for k, v in results.items() if k != "findings"}
    reordered["findings"] = results["findings"]
    text = render_json(reordered).decode()
    assert text.rstrip().endswith("]}")
    assert load_results(_write(tmp_path, text)) == reordered


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda t: t[: t.index('"controls"')], "not valid JSON"),
        (lambda t: t.rstrip() + " {}", "not valid JSON: Extra data"),
        (lambda t: t.replace('"findings": [\n', '"findings": [\n{"policy_id": 1},\n', 1), "at "),
    ],
    ids=["cut", "extra", "bad-item"],
)
def test_a_damaged_file_is_refused(
    cut: Any, message: str, results: dict[str, Any], tmp_path: Path
) -> None:
    path = _write(tmp_path, cut(render_json(results).decode()))
    with pytest.raises(InputError) as raised:
        load_results(path)
    assert any(message in p.message for p in raised.value.problems), raised.value


def test_problems_are_listed_up_to_twenty(results: dict[str, Any], tmp_path: Path) -> None:
    results["findings"] = [dict(results["findings"][0], status="bogus") for _ in range(30)]
    with pytest.raises(InputError) as raised:
        load_results(_write(tmp_path, render_json(results)))
    problems = raised.value.problems
    assert len(problems) == 21
    assert problems[-1].message == "... and 10 more problem(s) not listed"
    first = (
        render_json(results)
        .decode()
        .split("\n")
        .index(json.dumps(results["findings"][0], ensure_ascii=False) + ",")
    )
    assert [p.line for p in problems[:20]] == list(range(first + 1, first + 21))
