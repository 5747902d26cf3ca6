"""The HTML report in a real browser: headless Chromium (Debian's `chromium`), driven by Playwright.

.ci/run installs Chromium when it is missing and sets LOGWARD_REQUIRE_BROWSER=1, so CI fails
rather than skips without it. Set LOGWARD_UPDATE_SCREENSHOT=1 to refresh docs/img/report.png,
the screenshot the README shows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.render import render_html
from tests.render.samples import document, finding

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "img" / "report.png"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("LOGWARD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Page:
    """A page with every console message and page error recorded."""

    def __init__(self, browser: Any, path: Path, width: int = 1280, height: int = 1600) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.goto(path.as_uri())

    def errors(self) -> list[str]:
        return [m for m in self.console if not m.startswith(("log:", "info:", "debug:"))]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run = CliRunner().invoke(
        main, ["demo", "--out", str(out), "--format", "html", "--quiet"], catch_exceptions=False
    )
    assert run.exit_code == 0, run.output
    return out / "report.html"


def test_demo_report_in_chromium(browser: Any, demo_report: Path) -> None:
    view = Page(browser, demo_report)
    page = view.page
    # The filter script ran (the CSP allowed it) and nothing complained.
    assert page.is_visible("form#filters")
    assert page.is_visible("#controls") and page.is_visible("#gaps")
    assert page.locator("#gaps").inner_text().startswith("Coverage gaps: ")
    assert page.locator("details.control").count() >= 20
    # Expanding a failing control shows its findings.
    control = page.locator("details.control[data-status=fail]").first
    rows = control.locator("tbody tr")
    assert rows.count() > 0 and not rows.first.is_visible()
    control.locator("summary").click()
    assert rows.first.is_visible()
    assert "fail" in rows.first.inner_text().lower()
    # The status filter hides every finding row of another status.
    page.select_option("form#filters select[name=status]", "unknown")
    shown = page.locator("#findings tr[data-filter=finding]:visible")
    statuses = {shown.nth(i).get_attribute("data-status") for i in range(shown.count())}
    hidden_fail = page.locator("#findings tr[data-filter=finding][data-status=fail]").first
    assert statuses <= {"unknown"} and hidden_fail.is_hidden()
    assert "finding rows match" in page.inner_text("#filter-count")
    page.click("form#filters button[type=reset]")
    page.wait_for_function("document.getElementById('filter-count').textContent === ''")
    assert view.errors() == []
    if os.environ.get("LOGWARD_UPDATE_SCREENSHOT") == "1" or not SCREENSHOT.exists():
        page.evaluate("window.scrollTo(0, 0)")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
    page.close()


def test_demo_report_works_without_javascript(browser: Any, demo_report: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_report.as_uri())
    assert page.is_hidden("form#filters")  # filters need the script; nothing else does
    assert page.is_visible("#gaps") and page.is_visible("#controls")
    control = page.locator("details.control").first
    control.locator("summary").click()
    assert control.get_attribute("open") is not None
    context.close()


def test_hostile_names_render_inert_and_keep_the_layout(browser: Any, tmp_path: Path) -> None:
    payloads = [
        "<script>window.__pwned = 1</script>",
        '"><img src=x onerror="window.__pwned=2">',
        "' onmouseover='window.__pwned=3' x='",
        "A" * 5000,
        "arn:" + "x:" * 2000,
    ]
    arn = "arn:aws:s3:::"
    doc = document([finding("p-hostile", "fail", "high", arn + p, p, p) for p in payloads])
    path = tmp_path / "hostile.html"
    path.write_bytes(render_html(doc))
    view = Page(browser, path, width=1024, height=900)
    page = view.page
    page.locator("details.control summary").first.click()
    page.hover("#findings tr[data-filter=finding] >> nth=2")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#findings img").count() == 0
    # Long unbroken strings wrap inside their cells instead of widening the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    text = page.inner_text("#findings")
    assert "<script>window.__pwned = 1</script>" in text
    assert view.errors() == []
