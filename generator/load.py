"""Read a spec file into a Document that remembers where every node came from.

ruamel.yaml keeps line and column of each mapping key and sequence item; we index them by JSON pointer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from generator.errors import Finding, SpecError

Json = Any


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer_join(base: str, *tokens: str | int) -> str:
    return base + "".join("/" + escape(str(t)) for t in tokens)


@dataclass(frozen=True)
class Document:
    """A loaded spec: plain JSON-like data plus (line, col) for each JSON pointer (1-based)."""

    path: Path
    display: str
    data: Json
    positions: Mapping[str, tuple[int, int]] = field(repr=False)
    sha256: str

    def where(self, pointer: str) -> tuple[int, int]:
        """The position of the node at pointer, or of its nearest ancestor that has one."""
        probe = pointer
        while True:
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return (1, 1)
            probe = probe.rsplit("/", 1)[0]

    def finding(self, pointer: str, message: str, rule: str) -> Finding:
        line, col = self.where(pointer)
        return Finding(self.display, line, col, pointer, message, rule)

    def resolve(self, pointer: str) -> Json:
        """The node at a local JSON pointer ('#/a/b' or '/a/b'); KeyError when it does not exist."""
        node = self.data
        for raw in pointer.lstrip("#").split("/")[1:]:
            token = unescape(raw)
            if isinstance(node, list):
                if not token.isdigit() or int(token) >= len(node):
                    raise KeyError(pointer)
                node = node[int(token)]
            elif isinstance(node, dict) and token in node:
                node = node[token]
            else:
                raise KeyError(pointer)
        return node

    def deref(self, node: Json) -> Json:
        """Follow local $refs until a node without one (bounded, cycles raise KeyError)."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#"):
                raise KeyError(ref)
            seen.add(ref)
            node = self.resolve(ref)
        return node


def _plain(node: Any, pointer: str, positions: dict[str, tuple[int, int]]) -> Json:
    """Copy ruamel's round-trip nodes into dicts/lists, recording positions by pointer."""
    if isinstance(node, CommentedMap):
        out: dict[str, Json] = {}
        for key, value in node.items():
            child = pointer_join(pointer, str(key))
            try:
                line, col = node.lc.key(key)
                positions[child] = (line + 1, col + 1)
            except (KeyError, TypeError):
                pass
            out[str(key)] = _plain(value, child, positions)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Json] = []
        for index, value in enumerate(node):
            child = pointer_join(pointer, index)
            try:
                line, col = node.lc.item(index)
                positions[child] = (line + 1, col + 1)
            except (KeyError, TypeError, IndexError):
                pass
            items.append(_plain(value, child, positions))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    # Dates and other YAML scalars become strings: OpenAPI is JSON.
    return str(node)


def parse(text: str, display: str, path: Path | None = None) -> Document:
    yaml = YAML(typ="rt")
    try:
        raw = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        finding = Finding(display, line, col, "", f"YAML syntax error: {problem}", "yaml-syntax")
        raise SpecError(f"{display}: not valid YAML", (finding,)) from None
    except (YAMLError, ValueError, RecursionError) as exc:
        finding = Finding(display, 1, 1, "", f"YAML error: {exc}", "yaml-syntax")
        raise SpecError(f"{display}: not valid YAML", (finding,)) from None
    positions: dict[str, tuple[int, int]] = {}
    try:
        data = _plain(raw, "", positions)
    except RecursionError:
        finding = Finding(display, 1, 1, "", "document is nested too deeply to process", "yaml-depth")
        raise SpecError(f"{display}: too deep", (finding,)) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        finding = Finding(display, 1, 1, "", f"a spec must be a YAML mapping, this one is {kind}", "not-a-mapping")
        raise SpecError(f"{display}: not a mapping", (finding,))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(path or Path(display), display, data, positions, digest)


def load(path: Path, root: Path | None = None) -> Document:
    """Read and parse one spec file; every failure is a SpecError with a Finding."""
    display = _display(path, root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{display}: no such file", (Finding(display, 0, 0, "", "no such file", "io"),)) from None
    except OSError as exc:
        finding = Finding(display, 0, 0, "", f"cannot read: {exc.strerror}", "io")
        raise SpecError(f"{display}: cannot read", (finding,)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        finding = Finding(display, line, col, "", f"not UTF-8: byte 0x{raw[exc.start]:02x}", "encoding")
        raise SpecError(f"{display}: not UTF-8", (finding,)) from None
    return parse(text, display, path)


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


def walk(node: Json, pointer: str = "") -> Iterator[tuple[str, Json]]:
    """Every (pointer, node) pair below and including node, depth first, in document order."""
    stack: list[tuple[str, Json]] = [(pointer, node)]
    while stack:
        here, value = stack.pop()
        yield here, value
        if isinstance(value, dict):
            stack.extend((pointer_join(here, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((pointer_join(here, i), v) for i, v in reversed(list(enumerate(value))))
