"""Each generated package as a user installs it: its wheel alone in a fresh virtual environment.

The plain install imports the client and models and pulls no FastAPI (nor the rest of the mock's stack); with
the `mock` extra the server imports without starting anything, `uvicorn --factory <pkg>.server:create_app`
serves the mock, and the installed client makes one authenticated call to it.

Fast enough for every run: one `pip wheel` resolves every package and its dependencies into one wheelhouse
(from pip's cache after the first run), and each package then installs from it with `--no-index`, into one
virtual environment without pip of its own, first plain, then with the extra.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import Any

import pytest

from tests.client.harness import vendor
from tests.helpers import GENERATED, MOCK_KEY, vendors

pytestmark = pytest.mark.xdist_group("installed-wheels")
VENDORS = vendors()
# Only the mock needs these; a plain install must not bring any of them.
MOCK_ONLY = {"fastapi", "starlette", "uvicorn", "jsonschema", "python-multipart"}
PIP_TIMEOUT = 600
USER_SUITE = Path(__file__).resolve().parent / "user_suite"
USER_SUITE_VENDORS = ("telphin", "netsapiens", "callcenter")
USER_SUITE_NEEDS = ("pytest>=8", "pytest-xdist>=3.6")

# Run inside the package's virtual environment: every module of the package, imported; the names of the
# installed distributions; and the modules that could not be imported, with the missing module's name.
IMPORT_ALL = """
import importlib, importlib.metadata, json, pathlib, sys
package = importlib.import_module(sys.argv[1])
folder = pathlib.Path(package.__path__[0])
failed, names = {}, []
for path in sorted(folder.rglob("*.py")):
    parts = path.relative_to(folder.parent).with_suffix("").parts
    names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
for name in names:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        failed[name] = [exc.name, str(exc)]
print(json.dumps({
    "modules": names,
    "failed": failed,
    "distributions": sorted(d.metadata["Name"].lower() for d in importlib.metadata.distributions()),
    "server_app": hasattr(sys.modules.get(package.__name__ + ".server"), "app"),
}))
"""

# Run inside the package's virtual environment with the mock serving: one call through the installed client.
CALL = """
import importlib, json, sys
plan = json.loads(sys.argv[1])
package = importlib.import_module(plan["package"])
with package.Client(base_url=plan["base_url"], **plan["auth"]) as client:
    result = getattr(client, plan["operation"])(**plan["arguments"])
print(json.dumps({"type": type(result).__name__, "module": type(result).__module__}))
"""


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every package's wheel and every wheel they need, mock extra included, from one resolution."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    sources = tmp_path_factory.mktemp("sources")
    targets = []
    for name in VENDORS:
        # Built from a copy: setuptools leaves build/ and *.egg-info/ beside the sources it builds.
        shutil.copytree(GENERATED / name, sources / name)
        targets.append(f"{sources / name}[mock]")
    # The test environment's setuptools builds them (no isolated build environment to set up per package).
    # pytest and pytest-xdist: the user's own test suite (user_suite/) runs with them beside the packages.
    pip(
        sys.executable,
        "wheel",
        "--quiet",
        "--no-build-isolation",
        "--wheel-dir",
        str(folder),
        *targets,
        *USER_SUITE_NEEDS,
    )
    return folder


def pip(python: str, *args: str) -> None:
    """Run the test environment's pip, for the interpreter `python` (pip's --python): new environments need
    no pip of their own."""
    command = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=PIP_TIMEOUT)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"


def run(python: Path, script: str, *args: str) -> dict[str, Any]:
    # Run from an empty folder, so nothing but the installed package can be imported.
    result = subprocess.run(
        [str(python), "-c", script, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=python.parent,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the mock exited with {process.returncode}: {process.communicate()[1]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the mock did not listen on {port} within {timeout:g} s")


@pytest.mark.parametrize("name", VENDORS)
def test_wheel_installs_alone_and_its_mock_answers_its_client(name: str, wheelhouse: Path, tmp_path: Path) -> None:
    v = vendor(name)
    package, distribution = v.pkg.__name__, f"voxspec-{name}"
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    offline = ["install", "--quiet", "--no-compile", "--no-index", "--find-links", str(wheelhouse)]

    pip(str(python), *offline, distribution)
    plain = run(python, IMPORT_ALL, package)
    assert not MOCK_ONLY & set(plain["distributions"]), "the plain install pulled the mock's dependencies"
    assert {"httpx", "pydantic", distribution} <= set(plain["distributions"])
    assert f"{package}._mock.runtime" in plain["modules"], "the mock is not packaged"
    mock_side = tuple(f"{package}.{m}" for m in ("server", "_mock", "testing", "pytest_plugin"))
    client_side = [m for m in plain["modules"] if not m.startswith(mock_side)]
    assert not set(client_side) & set(plain["failed"]), f"client modules need more than httpx: {plain['failed']}"
    missing, message = plain["failed"][f"{package}.server"]
    assert missing == "fastapi" and f'pip install "{distribution}[mock]"' in message, message

    pip(str(python), *offline, f"{distribution}[mock]")
    full = run(python, IMPORT_ALL, package)
    # The pytest plugin is loaded by pytest only, where pytest is installed; this environment has none.
    assert full["failed"] == {f"{package}.pytest_plugin": ["pytest", "No module named 'pytest'"]}, full["failed"]
    assert not full["server_app"], "importing server.py built an app"

    port = free_port()
    mock = subprocess.Popen(
        [str(env / "bin" / "uvicorn"), "--factory", f"{package}.server:create_app", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=env,
        env={**os.environ, "VOXSPEC_MOCK_KEYS": MOCK_KEY},
    )
    try:
        wait_for(port, mock)
        operation, arguments = v.simple_get()
        plan = {
            "package": package,
            "base_url": f"http://127.0.0.1:{port}{v.base_path}",
            "auth": v.auth(),
            "operation": operation,
            "arguments": arguments,
        }
        answer = run(python, CALL, json.dumps(plan))
    finally:
        mock.terminate()
        mock.communicate(timeout=30)
    assert answer["module"].startswith(package) or answer["module"] == "builtins", answer


def test_a_users_suite_runs_on_the_packages_pytest_plugin_alone(wheelhouse: Path, tmp_path: Path) -> None:
    """user_suite/ as a user runs it: only the vendors' packages with their mock extra, pytest and pytest-xdist
    installed; `voxspec_mock` comes from the packages' pytest11 entry points; two xdist workers, each with its
    own mock servers."""
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    offline = ["install", "--quiet", "--no-compile", "--no-index", "--find-links", str(wheelhouse)]
    pip(str(python), *offline, *(f"voxspec-{name}[mock]" for name in USER_SUITE_VENDORS), *USER_SUITE_NEEDS)
    suite = tmp_path / "suite"
    shutil.copytree(USER_SUITE, suite, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "-W", "error", str(suite)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=suite,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    count = sum(len(list((suite).glob(f"test_{name}_app.py"))) for name in USER_SUITE_VENDORS)
    assert count == len(USER_SUITE_VENDORS) and " passed" in result.stdout and "skipped" not in result.stdout
