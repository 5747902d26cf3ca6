"""moto_server on a free loopback port, for tests that need a real HTTP endpoint."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto_server on 127.0.0.1, emptied first (it shares moto's in-process state with
    every other server and decorator of the test process), and yield its URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    url = f"http://{host}:{port}"
    # No proxy: a test may set HTTP_PROXY for the command it runs, never for this reset.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")).close()
    try:
        yield url
    finally:
        srv.stop()
