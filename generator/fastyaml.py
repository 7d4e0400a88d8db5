"""The fast path of load: libyaml's C parser (through PyYAML) builds the plain data and positions directly.

It reads the everyday subset exactly as ruamel.yaml's round-trip loader would and gives up on anything else.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

import yaml
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import Reader
from ruamel.yaml.resolver import VersionedResolver

from generator.pointer import escape

# ruamel.yaml (YAML 1.2) stays the reference loader: it is pure Python and about ten times slower, so it only
# runs when this path declines. Declining is always safe; anything this path accepts must give the data and
# positions ruamel would. So it declines on every construct whose reading differs between libyaml/PyYAML and
# ruamel, or that ruamel's checks in load.py exist for: directives, tags, anchors and aliases, merge keys,
# duplicate keys, complex keys, deep nesting, several documents, characters ruamel refuses, scalars other than
# plain strings, null, booleans and decimal numbers.
try:
    from yaml.cyaml import CParser as _CPARSER
except ImportError:  # PyYAML built without libyaml: ruamel reads everything
    _CPARSER = None
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SIMPLE_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_SIMPLE_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")
_TAG = "tag:yaml.org,2002:"
# ruamel's own YAML 1.2 resolver decides what a plain scalar is, through its public `resolve`, so the rules are
# ruamel's and not a copy of them.
_RESOLVER = VersionedResolver(version=(1, 2))
_IMPLICIT_PLAIN = (True, False)
_TRUE = {"true", "True", "TRUE"}
Positions = dict[str, tuple[int, int]]


class _Decline(Exception):
    """Something the fast path does not read: load falls back to ruamel."""


@lru_cache(maxsize=4096)
def _kind(value: str) -> str:
    """The YAML 1.2 type ruamel resolves a plain scalar to ("str", "int", ...); keys and words repeat across a
    spec, so the answer is memoized by the text itself."""
    tag = str(_RESOLVER.resolve(ScalarNode, value, _IMPLICIT_PLAIN))
    return tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar as ruamel's round-trip loader reads it, after load's _plain."""
    kind = _kind(value)
    if kind == "str":
        return value
    if kind == "null":
        return None
    if kind == "bool":
        return value in _TRUE
    if kind == "int" and _SIMPLE_INT.fullmatch(value) and len(value) <= sys.get_int_max_str_digits():
        return int(value)
    if kind == "float" and _SIMPLE_FLOAT.fullmatch(value):
        return float(value)
    raise _Decline(kind)


def _scalar(event: Any) -> Any:
    if event.tag is not None or event.anchor is not None:
        raise _Decline("tag or anchor")
    value = event.value
    if _SURROGATE.search(value):
        raise _Decline("surrogate")
    return _plain_scalar(value) if event.implicit[0] else value


def fast_plain(text: str, max_depth: int) -> tuple[dict[str, Any], Positions] | None:
    """(data, positions by JSON pointer, 1-based) for text, or None when ruamel must read it."""
    if _CPARSER is None or _DIRECTIVE.search(text) or Reader.NON_PRINTABLE.search(text):
        return None
    parser = _CPARSER(text)
    try:
        return _build(parser, max_depth)
    except (_Decline, yaml.YAMLError, ValueError):
        return None
    finally:
        parser.dispose()


_NODE_EVENTS = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
_END_EVENTS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class _Open:
    """A mapping or sequence being filled, at pointer; a mapping may hold a key waiting for its value."""

    __slots__ = ("container", "key", "pointer")

    def __init__(self, container: dict[str, Any] | list[Any], pointer: str) -> None:
        self.container, self.pointer = container, pointer
        self.key: str | None = None

    def takes_key(self) -> bool:
        return isinstance(self.container, dict) and self.key is None

    def set_key(self, event: Any, positions: Positions) -> None:
        if type(event) is not yaml.ScalarEvent:
            raise _Decline("complex key")
        key = str(_scalar(event))
        if key in self.container:
            raise _Decline("duplicate key")
        self.key = key
        positions[f"{self.pointer}/{escape(key)}"] = (event.start_mark.line + 1, event.start_mark.column + 1)

    def add(self, value: Any, event: Any, positions: Positions) -> str:
        """Put value in, returning its pointer (ruamel places a sequence item where its node starts)."""
        if isinstance(self.container, dict):
            assert self.key is not None
            pointer = f"{self.pointer}/{escape(self.key)}"
            self.container[self.key] = value
            self.key = None
            return pointer
        pointer = f"{self.pointer}/{len(self.container)}"
        positions[pointer] = (event.start_mark.line + 1, event.start_mark.column + 1)
        self.container.append(value)
        return pointer


def _build(parser: Any, max_depth: int) -> tuple[dict[str, Any], Positions] | None:
    positions: Positions = {}
    stack: list[_Open] = []
    root: Any = None
    documents = 0
    while True:
        event = parser.get_event()
        if isinstance(event, _NODE_EVENTS):
            if stack and stack[-1].takes_key():
                stack[-1].set_key(event, positions)
                continue
            if isinstance(event, yaml.ScalarEvent):
                value: Any = _scalar(event)
            elif event.tag is not None or event.anchor is not None:
                raise _Decline("tag or anchor")
            else:
                value = {} if isinstance(event, yaml.MappingStartEvent) else []
            if stack:
                pointer = stack[-1].add(value, event, positions)
            elif isinstance(value, dict):
                root, pointer = value, ""
            else:
                raise _Decline("not a mapping")
            if not isinstance(event, yaml.ScalarEvent):
                stack.append(_Open(value, pointer))
                if len(stack) > max_depth:
                    raise _Decline("deep")
        elif isinstance(event, _END_EVENTS):
            stack.pop()
        elif isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Decline("several documents")
        elif isinstance(event, yaml.AliasEvent):
            raise _Decline("alias")
        elif isinstance(event, yaml.StreamEndEvent):
            return (root, positions) if isinstance(root, dict) else None
