"""Nothing untrusted reaches a terminal raw.

ANSI sequences, carriage returns, bidi overrides and undecodable bytes are planted in a bundle's
file names, in resource names a scan shows, in a policy's id, title and file; each command's
terminal output must hold none of them raw (an added file named with ANSI codes once repainted
verify's FAIL line as a green "verified"), and must still show them, escaped.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import providers
from scanner.cli import main
from scanner.terminal import safe
from tests.support.motoserver import moto_server

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "tests" / "providers" / "example"
# Green "verified" over the line, a carriage return, a right-to-left override, a C1 CSI.
ODD = "x\x1b[2K\x1b[32mverified\x1b[0m\r\u202eevil\x9b"
SHOWN = "x\\x1b[2K\\x1b[32mverified\\x1b[0m\\r\\u202eevil\\x9b"


def raw_controls(text: str) -> list[str]:
    """Every character in `text` a terminal would act on rather than show (an oracle of its
    own: Unicode categories, not the code under test), newlines aside."""
    return [
        repr(c)
        for c in text
        if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (ODD, SHOWN),
        ("tab\there", "tab\\there"),
        ("line\nbreak", "line\\nbreak"),
        ("del\x7f nul\x00 bell\x07", "del\\x7f nul\\x00 bell\\x07"),
        (
            "\u2066isolate\u2069 \u200fmark \u2028sep",
            "\\u2066isolate\\u2069 \\u200fmark \\u2028sep",
        ),
        ("bad byte \udcff", "bad byte \\udcff"),
        ("café 日本語 ok-name_1.json", "café 日本語 ok-name_1.json"),
    ],
)
def test_safe_escapes_what_a_terminal_would_act_on(raw: str, shown: str) -> None:
    assert safe(raw) == shown
    assert not raw_controls(safe(raw))


def test_safe_keeps_lines_only_when_asked() -> None:
    assert safe("a\nb\tc\rd\x1b", lines=True) == "a\nb\tc\\rd\\x1b"
    assert safe("a\nb") == "a\\nb"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run = CliRunner().invoke(main, ["demo", "--out", str(out), "--quiet"], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert not raw_controls(run.output)
    return out


def _plant(folder: Path) -> None:
    """Two added files: one named with the escape codes, one whose name is not UTF-8."""
    (folder / ODD).write_bytes(b"x")
    fd = os.open(os.fsencode(folder) + b"/bad\xff\x1b[1A.json", os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)


def test_verify_shows_planted_file_names_escaped(demo: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(demo / "evidence", bundle)
    _plant(bundle)
    run = CliRunner().invoke(
        main, ["verify", str(bundle), "--public-key", str(demo / "demo-signing-key.pem.pub")]
    )
    assert run.exit_code == 1
    assert not raw_controls(run.output), raw_controls(run.output)
    assert f"FAIL {SHOWN}: added" in run.output
    assert "FAIL bad\\udcff\\x1b[1A.json: added" in run.output
    # The last line is the verdict, and nothing can paint over it.
    assert run.output.rstrip("\n").splitlines()[-1].endswith("NOT verified (2 problem(s))")


def test_sign_refuses_with_planted_names_escaped(demo: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(demo / "evidence", bundle)
    _plant(bundle)
    run = CliRunner().invoke(
        main, ["bundle", "sign", str(bundle), "--key", str(demo / "demo-signing-key.pem")]
    )
    assert run.exit_code == 3
    assert not raw_controls(run.output) and SHOWN in run.output


@pytest.fixture
def odd_catalogue(tmp_path: Path) -> Iterator[Path]:
    """The example cloud, its one policy's title and description carrying the escape codes
    (YAML's `\\e` is ESC; the override is written raw)."""
    from tests.providers.example.adapter import ExampleAdapter

    folder = tmp_path / "policies"
    folder.mkdir()
    text = (EXAMPLE / "policies" / "example-log-store-retained.yaml").read_text()
    text = text.replace(
        "title: Example log stores keep logs for whole months of the minimum period",
        'title: "Example log stores keep logs \\e[2K\\e[32mOK\\e[0m\\r\u202e for months"',
    ).replace("The boundary test's policy:", "The boundary test's \u202e\u2066 policy:")
    (folder / "example-log-store-retained.yaml").write_text(text)
    adapter = ExampleAdapter()
    adapter.policy_dirs = (folder,)
    with providers.registered("example", adapter):
        yield folder


def test_policies_list_and_show_escape_a_policys_text(odd_catalogue: Path) -> None:
    listed = CliRunner().invoke(main, ["policies", "list"])
    assert listed.exit_code == 0, listed.output
    assert not raw_controls(listed.output)
    assert "keep logs \\x1b[2K\\x1b[32mOK\\x1b[0m\\r\\u202e for months" in listed.output
    shown = CliRunner().invoke(main, ["policies", "show", "example-log-store-retained"])
    assert shown.exit_code == 0, shown.output
    assert not raw_controls(shown.output)
    assert "test's \\u202e\\u2066 policy" in shown.output and "\ncondition:\n" in shown.output


def test_policies_validate_escapes_ids_and_file_names(tmp_path: Path) -> None:
    folder = tmp_path / f"dir{ODD}"
    folder.mkdir()
    text = (EXAMPLE / "policies" / "example-log-store-retained.yaml").read_text()
    (folder / f"p{ODD}.yaml").write_text(
        text.replace("id: example-log-store-retained", 'id: "aws-\\e[2K\\rok\u202e"')
    )
    (folder / "raw.yaml").write_bytes(b"id: aws-\x1b[2Kraw\ntitle: t\n")
    run = CliRunner().invoke(main, ["policies", "validate", str(folder)])
    assert run.exit_code == 2, run.output
    assert not raw_controls(run.output), raw_controls(run.output)
    assert SHOWN in run.output  # the file name, escaped


def test_input_errors_escape_the_file_they_name(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["plan", str(tmp_path / f"plan{ODD}.json")])
    assert run.exit_code == 2, run.output
    assert not raw_controls(run.output) and SHOWN in run.output


def _read_pty(proc: subprocess.Popen[bytes], master: int) -> str:
    """Everything the process wrote to its terminal, until it exits."""
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                data = b""
            if data:
                chunks.append(data)
                continue
        if proc.poll() is not None and not ready:
            break
        if ready and not data:
            break
    proc.wait(timeout=120)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """moto_server on a free loopback port, empty."""
    with moto_server() as url:
        yield url


def test_a_scan_on_a_terminal_shows_resource_names_escaped(server: str, tmp_path: Path) -> None:
    """A trail writing to a log group and naming a KMS key, both named with escape codes: the
    progress line on a real terminal (a pty) shows the key as written, escaped."""
    import boto3

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    logs = session.client("logs", endpoint_url=server)
    logs.create_log_group(logGroupName=f"audit{ODD}")
    group = logs.describe_log_groups()["logGroups"][0]["arn"]
    session.client("s3", endpoint_url=server).create_bucket(Bucket="odd-trail")
    key = f"arn:aws:kms:us-east-1:123456789012:key/{ODD}"
    session.client("cloudtrail", endpoint_url=server).create_trail(
        Name="odd",
        S3BucketName="odd-trail",
        CloudWatchLogsLogGroupArn=group,
        CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/t",
        KmsKeyId=key,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "CI"}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=str(REPO),
        TERM="xterm",
        NO_COLOR="1",  # the summary's own colours are tests/test_cli_terminal.py's subject
    )
    master, slave = pty.openpty()
    cmd = [sys.executable, "-m", "scanner", "scan", "aws", "--endpoint-url", server]
    cmd += ["--regions", "us-east-1", "--out", str(tmp_path / "out")]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=slave, stderr=slave)
    os.close(slave)
    try:
        screen = _read_pty(proc, master)
    finally:
        os.close(master)
    assert proc.returncode == 1, screen
    # Progress repaints its own line ("\r" + erase line); that is the only control it sends.
    own = screen.replace("\r\x1b[K", "").replace("\r\n", "\n")
    assert not raw_controls(own), raw_controls(own)
    assert f"key {key.replace(ODD, SHOWN)}"[:100] in own
