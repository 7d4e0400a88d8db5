"""The layering of generator/ as generator/ARCHITECTURE.md states it, checked by reading every module's imports.

Three rules: each module imports only the layers below its own; no module imports a private (`_name`) module of
a third-party package; the consumers of the IR reach no raw OpenAPI (`api.openapi`, `$ref`, `x-voxspec-*` keys).
Where the code does not follow a rule yet, the exception is listed below with its reason, and a listed exception
that is no longer needed fails the test too, so the lists only shrink.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "generator"

# The layers, bottom up. A module may import its own layer's modules and the layers it lists.
# Modules not named here belong to the layer of their folder (docs/*, contract/*, mock/*, runtime/*).
LAYERS: dict[str, set[str]] = {
    # runtime/_shapes.py: the dataclasses the generated client's table is made of (envelope, paging, error shape);
    # standard library only, copied into every package, and the IR's own classes for the same things
    "shapes": set(),
    "base": {"shapes"},  # errors, ir, write, fastyaml, pointer, names: no voxspec imports but each other's
    "load": {"base"},
    # index reads examples with the mock's ECMA-262 reading of `pattern` (mock/patterns.py, which imports nothing
    # of the mock but jsonschema): lint then accepts exactly the examples the mock serves and accepts
    "index": {"base", "load", "patterns"},
    "check": {"base", "load", "index"},  # validate, lint
    "build": {"base", "load", "index"},
    "render": {"base"},  # models, render: from the IR to files
    "runtime": {"shapes"},  # copied verbatim into every package: imports nothing from generator but itself
    "mock": {"patterns"},  # likewise
    "patterns": set(),  # mock/patterns.py: the mock's module that the index layer reads examples with
    "docs": {"base", "render", "runtime"},
    "contract": {"base", "runtime", "mock", "serve"},
    "serve": {"base", "mock"},
    # diff compares any two OpenAPI documents as loaded (with their line numbers), not voxspec's IR of one
    "diff": {"base", "load"},
    "proxy": {"base", "render", "mock", "patterns", "contract", "serve"},
    "command": {
        "shapes",
        "base",
        "load",
        "index",
        "check",
        "build",
        "render",
        "runtime",
        "mock",
        "patterns",
        "docs",
        "contract",
        "serve",
        "diff",
        "proxy",
    },
}
MODULE_LAYER = {
    "generator": "base",
    "generator.errors": "base",
    "generator.ir": "base",
    "generator.write": "base",
    "generator.fastyaml": "base",
    "generator.pointer": "base",
    "generator.names": "base",
    "generator.load": "load",
    "generator.runtime._shapes": "shapes",
    "generator.openapi": "index",
    "generator.mock.patterns": "patterns",
    "generator.validate": "check",
    "generator.lint": "check",
    "generator.build": "build",
    "generator.models": "render",
    "generator.render": "render",
    "generator.serve": "serve",
    "generator.serve_guard": "serve",
    # The commands: each reads a spec through load, validate and build, then hands the IR to its consumer.
    "generator.cli": "command",
    "generator.pipeline": "command",
    "generator.stamp": "command",
    "generator.docs.site": "command",
    "generator.contract": "command",
    "generator.proxy.run": "command",  # `voxspec proxy`: loads, validates and builds the spec it serves
    "generator.docs": "command",  # the package re-exports the docs command
}
FOLDER_LAYER = {
    "docs": "docs",
    "contract": "contract",
    "mock": "mock",
    "runtime": "runtime",
    "diff": "diff",
    "proxy": "proxy",
}

# Imports across the layers that the code still makes, each with why; to be removed as the IR closes.
LAYER_DEBT: dict[tuple[str, str], str] = {}

# A third party's private module, imported on purpose; see bench/README.md, "Private APIs of dependencies".
PRIVATE_ALLOWED: dict[tuple[str, str], str] = {}

# Consumers of the IR that still read raw OpenAPI, with why.
RAW_DEBT: dict[tuple[str, str], str] = {}
# HTTP headers of voxspec's own that share the extensions' prefix; naming one reads no spec.
VOXSPEC_HEADERS = {"x-voxspec-control-token", "x-voxspec-proxy"}
CONSUMER_LAYERS = {"render", "docs", "contract", "mock", "runtime", "serve", "proxy"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    if module in MODULE_LAYER:
        return MODULE_LAYER[module]
    folder = module.split(".")[1]
    return FOLDER_LAYER[folder]


PACKAGES: set[str] = set()  # modules that are packages (their __init__), for relative imports


def modules(*folders: str) -> Iterator[tuple[str, ast.Module]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "expected" in path.parts:  # golden copies of generated output, not voxspec's own code
                continue
            if path.name == "__init__.py":
                PACKAGES.add(module_name(path))
            yield module_name(path), ast.parse(path.read_text("utf-8"), str(path))


def imports(module: str, tree: ast.Module) -> Iterator[str]:
    package = module if module in PACKAGES else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: within the module's own package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            else:
                assert node.module is not None
                yield node.module
                # `from generator import x` imports the module generator.x where it is one
                if node.module.startswith("generator"):
                    for alias in node.names:
                        candidate = f"{node.module}.{alias.name}"
                        if (GENERATOR.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                            GENERATOR.parent / candidate.replace(".", "/")
                        ).is_dir():
                            yield candidate


def voxspec_module(name: str) -> str | None:
    """The generator module an import names (its longest existing prefix), or None for other packages."""
    if name != "generator" and not name.startswith("generator."):
        return None
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        path = GENERATOR.parent / candidate.replace(".", "/")
        if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
            return candidate
        parts.pop()
    return None


def layer_violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for module, tree in modules("generator"):
        mine = layer_of(module)
        for name in imports(module, tree):
            target = voxspec_module(name)
            if target is None or target == module:
                continue
            theirs = layer_of(target)
            if theirs != mine and theirs not in LAYERS[mine]:
                found.add((module, target))
    return found


def test_each_layer_imports_only_the_layers_below_it() -> None:
    found = layer_violations()
    assert not found - set(LAYER_DEBT), f"imports across the layers (generator/ARCHITECTURE.md): {sorted(found)}"
    assert not set(LAYER_DEBT) - found, f"no longer imported, drop from LAYER_DEBT: {sorted(set(LAYER_DEBT) - found)}"


def test_runtime_and_mock_import_nothing_from_generator() -> None:
    for module, tree in modules("generator/runtime", "generator/mock"):
        own = module.split(".")[1]
        for name in imports(module, tree):
            target = voxspec_module(name)
            assert target is None or target.startswith(f"generator.{own}"), (module, name)


def private_imports() -> set[tuple[str, str]]:
    """(module, what it imports) where a third party's name below its top level starts with an underscore."""
    stdlib = sys.stdlib_module_names
    found: set[tuple[str, str]] = set()
    for module, tree in modules("generator", "tests", "bench"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                top, *rest = name.split(".")
                if top in ("generator", "tests", "bench", "__future__") or top in stdlib:
                    continue
                if any(part.startswith("_") for part in rest):
                    found.add((module, name))
                    break  # one finding per import statement
    return found


def test_no_private_module_of_a_dependency_is_imported() -> None:
    found = private_imports()
    assert not found - set(PRIVATE_ALLOWED), f"private modules of dependencies: {sorted(found - set(PRIVATE_ALLOWED))}"
    assert not set(PRIVATE_ALLOWED) - found, f"drop from PRIVATE_ALLOWED: {sorted(set(PRIVATE_ALLOWED) - found)}"


def raw_openapi(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "openapi":
            if not (isinstance(node.value, ast.Name) and node.value.id == "schemathesis"):
                yield "api.openapi"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value == "$ref":
                yield "$ref"
            elif node.value.startswith("x-voxspec-") and node.value not in VOXSPEC_HEADERS:
                yield "x-voxspec-*"


def raw_reads() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for module, tree in modules("generator"):
        if layer_of(module) in CONSUMER_LAYERS:
            found.update((module, kind) for kind in raw_openapi(tree))
    return found


def test_consumers_read_the_ir_not_raw_openapi() -> None:
    found = raw_reads()
    assert not found - set(RAW_DEBT), (
        f"raw OpenAPI read outside load/validate/lint/build: {sorted(found - set(RAW_DEBT))}"
    )
    assert not set(RAW_DEBT) - found, f"no longer read, drop from RAW_DEBT: {sorted(set(RAW_DEBT) - found)}"


@pytest.mark.parametrize(
    ("source", "hook"),
    [("os.environ.get('VOXSPEC_TEST_KILL_AT')", "VOXSPEC_TEST"), ("class C:\n    _sleep = staticmethod(f)", "_sleep")],
)
def test_the_hook_check_sees_a_hook(source: str, hook: str) -> None:
    assert hook in test_hooks(ast.parse(source))


def test_hooks(tree: ast.Module) -> set[str]:
    """Test hooks in production code: environment variables named VOXSPEC_TEST*, and `_sleep` declared on a class
    for tests to overwrite (a sleep passed in as a parameter is how such a hook should come in)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("VOXSPEC_TEST"):
            found.add("VOXSPEC_TEST")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                targets = item.targets if isinstance(item, ast.Assign) else [getattr(item, "target", None)]
                if any(isinstance(t, ast.Name) and t.id == "_sleep" for t in targets):
                    found.add("_sleep")
    return found


test_hooks.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


# Modules that spell the JSON Pointer escapes themselves instead of using generator/pointer.py, with why.
POINTER_DEBT: dict[str, str] = {}


def test_one_json_pointer_codec() -> None:
    spelled = set()
    for module, tree in modules("generator"):
        if module != "generator.pointer" and any(
            isinstance(node, ast.Constant) and node.value in ("~0", "~1") for node in ast.walk(tree)
        ):
            spelled.add(module)
    assert spelled == set(POINTER_DEBT), f"JSON Pointer escapes outside generator/pointer.py: {sorted(spelled)}"


def test_production_code_carries_no_test_hooks() -> None:
    for module, tree in modules("generator"):
        assert not test_hooks(tree), f"{module}: test hooks come in through parameters or fixtures"
