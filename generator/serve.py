"""`voxspec mock`: serve a generated package's ASGI app with uvicorn.

The package is imported from generated/<vendor>/ so the mock works without installing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.errors import SpecError


def app_path(root: Path, vendor: str) -> tuple[Path, str]:
    folder = root / "generated" / vendor
    if not (folder / "pyproject.toml").is_file():
        raise SpecError(f"no generated package for {vendor!r} in {folder}; run `voxspec generate {vendor}` first")
    package = next((p.parent.name for p in folder.glob("*/server.py")), None)
    if package is None:
        raise SpecError(f"generated/{vendor} has no server module")
    return folder, f"{package}.server:app"


def serve(root: Path, vendor: str, host: str, port: int, workers: int) -> int:
    import uvicorn

    folder, target = app_path(root, vendor)
    sys.path.insert(0, str(folder))
    print(f"voxspec mock: {vendor} on http://{host}:{port} ({target}, {workers} worker(s))", file=sys.stderr)
    uvicorn.run(target, host=host, port=port, workers=workers, log_level="warning", app_dir=str(folder))
    return 0
