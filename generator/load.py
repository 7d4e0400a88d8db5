"""Read a spec file into a Document that remembers where every node came from.

ruamel.yaml keeps line and column of each mapping key and sequence item; we index them by JSON pointer.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from generator.errors import Finding, SpecError
from generator.fastyaml import fast_plain
from generator.pointer import pointer_join, unescape

Json = Any

# Real specs nest a few dozen levels; the recursive stages after load (ruamel's constructor, the validators,
# deepcopy) need Python's stack to stay well below its recursion limit, so deeper documents are refused.
MAX_DEPTH = 100
# Aliases may repeat shared nodes, but not blow a small file up into a huge tree ("billion laughs").
MAX_ALIAS_EXPANSION = 1_000_000
INT_TAG = "tag:yaml.org,2002:int"
SURROGATE = re.compile("[\ud800-\udfff]")
WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


# A vendor's folder under specs/ names its package (`voxspec_<vendor>`), its distribution, its generated/
# folder and its docs URLs, so it must be a plain lower-case identifier: anything else (a space, dots, a
# `javascript:` scheme) would make a package pip cannot install or a link that runs script.
VENDOR_NAME = re.compile(r"[a-z][a-z0-9_]*")
SPEC_FILE_NAMES = ("openapi.yaml", "openapi.yml", "openapi.json")


def vendor_of(path: Path) -> str | None:
    """The vendor a spec file belongs to (its folder, for specs/<vendor>/openapi.yaml), or None for a spec
    file named otherwise, which names no vendor."""
    return path.parent.name if path.name in SPEC_FILE_NAMES else None


def valid_vendor(name: str) -> bool:
    return VENDOR_NAME.fullmatch(name) is not None


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
        if SURROGATE.search(node):
            raise _BadText(pointer)
        return str(node)
    # Dates and other YAML scalars become strings: OpenAPI is JSON.
    return str(node)


class _BadText(Exception):
    """A string with an unpaired surrogate (from a \\ud800-style escape): not Unicode text, cannot be written."""

    def __init__(self, pointer: str) -> None:
        super().__init__(pointer)
        self.pointer = pointer


class _GraphProblem(Exception):
    def __init__(self, node: Node, message: str, rule: str) -> None:
        super().__init__(message)
        self.node, self.message, self.rule = node, message, rule


def _children(node: Node) -> list[tuple[Node, Node]]:
    """(child, the node to point at for it): a mapping value is pointed at by its key."""
    if isinstance(node, MappingNode):
        out: list[tuple[Node, Node]] = []
        for key, value in node.value:
            out += [(key, key), (value, key)]
        return out
    if isinstance(node, SequenceNode):
        return [(child, child) for child in node.value]
    return []


def _check_graph(root: Node) -> None:
    """Refuse alias loops, alias bombs, over-deep nesting and unreadable integers before constructing data.

    Works on ruamel's composed node graph (aliases are shared nodes there), iteratively and with each
    shared node measured once, so none of these inputs can exhaust time or the stack here.
    """
    on_path: set[int] = set()
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    repeats: dict[int, int] = {}
    nodes: dict[int, Node] = {}
    stack: list[tuple[Node, Iterator[tuple[Node, Node]]]] = [(root, iter(_children(root)))]
    on_path.add(id(root))
    while stack:
        node, pending = stack[-1]
        for child, mark_node in pending:
            if id(child) in on_path:
                anchor = f"&{child.anchor}" if child.anchor else "an anchor"
                raise _GraphProblem(mark_node, f"alias loop: {anchor} contains an alias to itself", "yaml-alias")
            if id(child) in size:  # an alias (or a shared key): measured already
                if len(stack) + height[id(child)] > MAX_DEPTH:
                    raise _GraphProblem(mark_node, f"nested more than {MAX_DEPTH} levels deep", "yaml-depth")
                repeats[id(child)] = repeats.get(id(child), 0) + 1
                continue
            if isinstance(child, ScalarNode) and child.tag == INT_TAG:
                digits = sum(c.isdigit() for c in child.value)
                if digits > sys.get_int_max_str_digits():
                    raise _GraphProblem(
                        child,
                        f"an integer of {digits} digits is too long to read; quote it if it is text",
                        "yaml-syntax",
                    )
            on_path.add(id(child))
            stack.append((child, iter(_children(child))))
            if len(stack) > MAX_DEPTH:
                raise _GraphProblem(mark_node, f"nested more than {MAX_DEPTH} levels deep", "yaml-depth")
            break
        else:
            stack.pop()
            on_path.discard(id(node))
            kids = [child for child, _ in _children(node)]
            nodes[id(node)] = node
            size[id(node)] = 1 + sum(size[id(c)] for c in kids)
            height[id(node)] = 1 + max((height[id(c)] for c in kids), default=0)
    expanded = size[id(root)]
    if expanded - len(size) > MAX_ALIAS_EXPANSION:
        worst = max(repeats, key=lambda key: repeats[key] * size[key])
        node = nodes[worst]
        anchor = f"&{node.anchor}" if node.anchor else "this node"
        message = f"aliases repeat {anchor} {repeats[worst]} times and expand the document to {expanded} nodes"
        raise _GraphProblem(node, message, "yaml-alias")


def _deep_mark(text: str) -> tuple[int, int] | None:
    """Where nesting first exceeds MAX_DEPTH, from YAML events (ruamel's parser is iterative, its composer is not)."""
    depth = 0
    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return (event.start_mark.line + 1, event.start_mark.column + 1)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return None
    return None


def _line_col(text: str, index: int) -> tuple[int, int]:
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _unusable(display: str, line: int, col: int, message: str, rule: str) -> SpecError:
    return SpecError(f"{display}: {message}", (Finding(display, line, col, "", message, rule),))


def _read_yaml(text: str, display: str) -> Any:
    """ruamel's round-trip data for text, or a SpecError at the line and column of the problem."""
    yaml = YAML(typ="rt")
    try:
        root = yaml.compose(text)
        if root is None:
            return None
        _check_graph(root)
        return yaml.constructor.construct_document(root)
    except _GraphProblem as exc:
        mark = exc.node.start_mark
        raise _unusable(display, mark.line + 1, mark.column + 1, exc.message, exc.rule) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise _unusable(display, line, col, f"YAML syntax error: {problem}", "yaml-syntax") from None
    except ReaderError as exc:
        line, col = _line_col(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"YAML syntax error: character U+{code:04X} is not allowed ({exc.reason})"
        raise _unusable(display, line, col, message, "yaml-syntax") from None
    except RecursionError:
        line, col = _deep_mark(text) or (1, 1)
        raise _unusable(display, line, col, f"nested more than {MAX_DEPTH} levels deep", "yaml-depth") from None
    except (YAMLError, ValueError) as exc:
        raise _unusable(display, 1, 1, f"YAML error: {_first_line(str(exc))}", "yaml-syntax") from None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid"


def parse(text: str, display: str, path: Path | None = None) -> Document:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    # libyaml reads the common case about ten times faster; ruamel reads (and reports on) everything else.
    fast = fast_plain(text, MAX_DEPTH)
    if fast is not None:
        return Document(path or Path(display), display, fast[0], fast[1], digest)
    data, positions = read_with_ruamel(text, display)
    return Document(path or Path(display), display, data, positions, digest)


def read_with_ruamel(text: str, display: str) -> tuple[dict[str, Json], dict[str, tuple[int, int]]]:
    """The data and positions of a spec as ruamel reads it, or a SpecError: the reference reading."""
    raw = _read_yaml(text, display)
    positions: dict[str, tuple[int, int]] = {}
    try:
        data = _plain(raw, "", positions)
    except _BadText as exc:
        line, col = Document(Path(display), display, {}, positions, "").where(exc.pointer)
        message = "text with an unpaired UTF-16 surrogate escape (like \\ud800) is not valid Unicode"
        raise _unusable(display, line, col, message, "encoding") from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise _unusable(display, 1, 1, f"a spec must be a YAML mapping, this one is {kind}", "not-a-mapping")
    return data, positions


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
    for bom, encoding in WIDE_BOMS:
        if raw.startswith(bom):
            raise _unusable(
                display,
                1,
                1,
                f"the file is {encoding} (it starts with a byte-order mark); save it as UTF-8",
                "encoding",
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _unusable(display, line, col, f"not UTF-8: byte 0x{raw[exc.start]:02x}", "encoding") from None
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
