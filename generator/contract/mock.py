"""Starting a vendor's generated mock on a free local port for a contract run, and stopping it afterwards.

uvicorn serves it from a background thread of this process, on a socket bound before the thread starts.
"""

from __future__ import annotations

import importlib
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.errors import SpecError
from generator.mock.runtime import DEFAULT_KEY, configured_keys
from generator.serve import app_path


def mock_key() -> str:
    """A key the mock accepts: the first of VOXSPEC_MOCK_KEYS, as the mock itself reads them."""
    keys = configured_keys()
    return keys[0] if keys else DEFAULT_KEY


def mock_app(root: Path, vendor: str) -> Any:
    """A fresh instance of the vendor's mock app, so state one run leaves in it cannot leak into the next."""
    folder, target = app_path(root, vendor)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    module = importlib.import_module(target.partition(":")[0])
    factory = getattr(module, "create_app", None)
    return factory() if callable(factory) else getattr(module, target.partition(":")[2])


@contextmanager
def running_mock(root: Path, vendor: str) -> Iterator[str]:
    """The base URL of the vendor's mock, served until the block ends."""
    with running_app(mock_app(root, vendor), f"the {vendor} mock") as url:
        yield url


@contextmanager
def running_app(app: Any, name: str = "the app", startup_timeout: float = 15.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free 127.0.0.1 port from a background thread; yield its URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise SpecError(f"{name} did not start within {startup_timeout:g} s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
