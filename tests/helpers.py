"""Helpers the test modules share: importing generated packages and their credentials."""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
MOCK_KEY = "voxspec-mock-key"


def vendors(root: Path = ROOT) -> list[str]:
    """Every vendor with a spec under specs/, so a new vendor's folder is picked up by every test that loops over
    vendors; its generated package must exist (`make generate`), and a test that imports it says so if not."""
    return sorted(p.parent.name for p in (root / "specs").glob("*/openapi.yaml"))


def package(vendor: str, module: str = "") -> ModuleType:
    folder = GENERATED / vendor
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    name = f"voxspec_{vendor}" + (f".{module}" if module else "")
    return importlib.import_module(name)


def credentials(vendor: str, key: str = MOCK_KEY) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query) carrying the mock's key for the first security alternative of the spec."""
    runtime: dict[str, Any] = package(vendor, "_spec").RUNTIME
    requirements: list[list[str]] = next(
        (op["security"] for op in runtime["operations"].values() if op["security"]), [[]]
    )
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    for name in requirements[0]:
        scheme = runtime["security_schemes"][name]
        if scheme["kind"] == "header":
            headers[scheme["param_name"]] = key
        elif scheme["kind"] == "query":
            query[scheme["param_name"]] = key
        elif scheme["kind"] == "basic":
            headers["Authorization"] = f"Basic {key}"
        elif scheme["kind"] in ("bearer", "oauth2"):
            headers["Authorization"] = f"Bearer {key}"
    return headers, query


def sync_transport(app: Any) -> Any:
    """A sync httpx transport into an ASGI app; httpx's ASGITransport is async-only, Starlette's TestClient has one."""
    from starlette.testclient import TestClient

    return TestClient(app)._transport


def tree_hash(folder: Path) -> str:
    """One digest of every file name and content under folder: equal digests mean an unchanged tree."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
