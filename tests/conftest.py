"""Shared pytest fixtures: where the repository, its specs and the vendor documents are.

The vendor documents live outside the repository, in ``../shared/vendor-docs``;
``VOXSPEC_VENDOR_DOCS`` points elsewhere when needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
VENDOR_DOCS = Path(os.environ.get("VOXSPEC_VENDOR_DOCS", ROOT.parent / "shared" / "vendor-docs"))


def read_vendor_doc(name: str) -> str:
    path = VENDOR_DOCS / name
    if not path.is_file():
        pytest.fail(f"vendor document {path} is missing; set VOXSPEC_VENDOR_DOCS")
    return path.read_text(encoding="utf-8")


def read_spec(vendor: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((SPECS / vendor / "openapi.yaml").read_text("utf-8"))
    return data


@pytest.fixture
def vendor_doc() -> Callable[[str], str]:
    return read_vendor_doc


@pytest.fixture
def spec() -> Callable[[str], dict[str, Any]]:
    return read_spec
