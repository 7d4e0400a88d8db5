"""Build a vendor's generated package for release and prove the wheel works on its own; nothing is uploaded.

`python -m generator.diff.release telphin` (what `make release VENDOR=telphin` runs): sdist and wheel into dist/,
then a fresh virtual environment installs the wheel, imports it, starts its mock in-process and calls one operation.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Runs inside the clean environment: only the installed wheel and its dependencies are importable there.
SMOKE = """
import asyncio, importlib, inspect, re, sys
import httpx

name = sys.argv[1]
pkg = importlib.import_module(name)
client = importlib.import_module(name + ".client")
server = importlib.import_module(name + ".server")
key = importlib.import_module(name + "._mock.runtime").DEFAULT_KEY


def callable_without_arguments(op_id):
    signature = inspect.signature(getattr(pkg.AsyncClient, op_id))
    return all(p.default is not p.empty for n, p in signature.parameters.items() if n != "self")


op_id, op = next(
    (i, o) for i, o in client.OPERATIONS.items()
    if o.method == "GET" and o.server is None and "{" not in o.path and callable_without_arguments(i)
)
auth = {}
for scheme_name in op.security[0] if op.security else ():
    scheme = next(s for s in client.SCHEMES if s.name == scheme_name)
    argument = re.sub(r"[^0-9a-zA-Z]+", "_", scheme_name).strip("_").lower()
    auth[argument] = (key, "x") if scheme.kind == "basic" else key
base_path = httpx.URL(client.DEFAULT_BASE_URL).path.rstrip("/")


async def main():
    transport = httpx.ASGITransport(app=server.create_app())
    async with pkg.AsyncClient(base_url="http://mock" + base_path, transport=transport, **auth) as api:
        result = await getattr(api, op_id)()
    print(f"release: {name} {pkg.__file__}: {op_id}() against the mock -> {type(result).__name__}")


asyncio.run(main())
"""


def _run(command: list[str], cwd: Path | None = None) -> None:
    print("release: " + " ".join(command), file=sys.stderr)
    done = subprocess.run(command, cwd=cwd, check=False)
    if done.returncode != 0:
        raise SystemExit(f"release: failed ({done.returncode}): {' '.join(command)}")


def version_of(package_dir: Path) -> str:
    match = re.search(r'^version = "([^"]+)"', (package_dir / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    if match is None:
        raise SystemExit(f"release: no version in {package_dir / 'pyproject.toml'}")
    return match[1]


def release(root: Path, vendor: str) -> list[Path]:
    source = root / "generated" / vendor
    if not (source / "pyproject.toml").is_file():
        print(f"release: no generated package at generated/{vendor}; run `voxspec generate` first", file=sys.stderr)
        raise SystemExit(2)
    dist = root / "dist"
    package, version = f"voxspec_{vendor.replace('-', '_')}", version_of(source)
    with tempfile.TemporaryDirectory(prefix="voxspec-release-") as scratch:
        work = Path(scratch)
        # Built from a copy: setuptools writes build/ and *.egg-info/ next to the sources, and generated/ is committed.
        shutil.copytree(source, work / vendor)
        _run([sys.executable, "-m", "build", "--outdir", str(dist), str(work / vendor)])
        wheel = dist / f"{package}-{version}-py3-none-any.whl"
        sdist = dist / f"{package}-{version}.tar.gz"
        _run([sys.executable, "-m", "venv", str(work / "venv")])
        python = str(work / "venv" / "bin" / "python")
        _run([python, "-m", "pip", "install", "--quiet", f"{wheel}[mock]"])  # the mock server is an extra
        (work / "smoke.py").write_text(SMOKE, encoding="utf-8")
        _run([python, str(work / "smoke.py"), package], cwd=work)
    for artefact in (sdist, wheel):
        print(f"release: {artefact.relative_to(root)} ({artefact.stat().st_size} bytes)")
    return [sdist, wheel]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m generator.diff.release VENDOR", file=sys.stderr)
        return 2
    release(Path.cwd(), args[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
