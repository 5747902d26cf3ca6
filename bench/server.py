"""A moto server in its own process, with an HTTP request counter.

The server runs as a separate process so its CPU time and memory are never charged to the
scanner being measured. moto's WSGI application is wrapped by `CountingMiddleware`, which counts
every request except its own control endpoints and moto's `/moto-api/`:

    GET  /__bench/count        -> {"count": N}
    POST /__bench/reset-count  -> {"count": 0}

A request a client sends through `HTTP_PROXY=<server url>` arrives as one request whose request
line carries the absolute URL (`GET http://123456789012.127.0.0.1:PORT/... HTTP/1.1`); it is
counted once, like any other (`check_proxy_counting` verifies that with S3 Control).

Use `Server` from the runner (`with Server() as srv: srv.url, srv.count(), srv.reset()`), or run
`python -m bench.server [--port N]` by hand: it prints the URL and serves until killed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CONTROL = "/__bench/"
ACCOUNT = "123456789012"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class CountingMiddleware:
    """Counts the HTTP requests reaching the wrapped WSGI app (thread-safe)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.count = 0
        self.lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or ""
        # A proxied request may carry an absolute URI; werkzeug gives PATH_INFO its path only,
        # but be safe against servers that pass the whole URI through.
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        if path.startswith(CONTROL):
            return self._control(path, environ, start_response)
        if not path.startswith("/moto-api/"):
            with self.lock:
                self.count += 1
        return self.app(environ, start_response)

    def _control(
        self, path: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if path == CONTROL + "count" and method == "GET":
            with self.lock:
                body = {"count": self.count}
        elif path == CONTROL + "reset-count" and method == "POST":
            with self.lock:
                self.count = 0
                body = {"count": 0}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "unknown control endpoint"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


def serve(host: str, port: int) -> None:
    """Serve moto (wrapped) forever; prints `READY <url>` once listening."""
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = CountingMiddleware(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, True, request_handler=MotoRequestHandler)
    bound_host, bound_port = server.server_address[:2]
    print(f"READY http://{bound_host}:{bound_port}", flush=True)
    server.serve_forever()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Server:
    """`python -m bench.server` as a child process; a context manager."""

    def __init__(
        self, host: str = "127.0.0.1", python: str = sys.executable, log: Path | None = None
    ) -> None:
        self.host = host
        self.python = python
        self.log = log
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, timeout_s: float = 60.0) -> str:
        port = _free_port(self.host)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        for key in [k for k in env if k.lower() in ("http_proxy", "https_proxy")]:
            del env[key]
        stderr = open(self.log, "w") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [self.python, "-m", "bench.server", "--host", self.host, "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"moto server did not start: {line!r}")
        self.url = line.split()[1]
        while time.monotonic() < deadline:
            try:
                self.count()
                return self.url
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("moto server did not answer")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _control(self, path: str, method: str) -> int:
        request = urllib.request.Request(
            f"{self.url}{CONTROL}{path}", method=method, data=b"" if method == "POST" else None
        )
        # Never through a proxy: the control call goes straight to the server.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            return int(json.loads(response.read())["count"])

    def count(self) -> int:
        return self._control("count", "GET")

    def reset(self) -> None:
        self._control("reset-count", "POST")

    def moto_reset(self) -> None:
        """Empty moto's state (not counted)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(
            urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b""),
            timeout=30,
        ).close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def scan_env(
    url: str, region: str = "us-east-1", base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment both scanners run in: the server as endpoint and as HTTP proxy (so S3
    Control's `<account-id>.<host>` needs no name resolution), fake credentials, and nothing of
    the user's AWS configuration."""
    env = {
        k: v
        for k, v in (base if base is not None else os.environ).items()
        if not k.startswith("AWS_")
        and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")
    }
    env.update(
        AWS_ENDPOINT_URL=url,
        HTTP_PROXY=url,
        http_proxy=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def check_proxy_counting(server: Server) -> dict[str, int]:
    """One S3 Control call through the proxy, and one plain call: each must count once.

    Runs in a subprocess with `scan_env` so the proxy settings match the scans exactly."""
    code = (
        "import boto3\n"
        "c = boto3.client('s3control')\n"
        "try:\n"
        f"    c.get_public_access_block(AccountId='{ACCOUNT}')\n"
        "except c.exceptions.ClientError as e:\n"
        "    print(e.response['Error']['Code'])\n"
    )
    server.reset()
    subprocess.run(
        [sys.executable, "-c", code],
        env=scan_env(server.url),
        check=True,
        capture_output=True,
        timeout=60,
    )
    proxied = server.count()
    server.reset()
    subprocess.run(
        [sys.executable, "-c", "import boto3; boto3.client('sts').get_caller_identity()"],
        env=scan_env(server.url),
        check=True,
        capture_output=True,
        timeout=60,
    )
    plain = server.count()
    server.reset()
    return {"s3control_via_proxy": proxied, "sts_get_caller_identity": plain}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
