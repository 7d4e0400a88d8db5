"""Match the operations of two documents and classify what changed in each: parameters, bodies, responses, auth.

Operations match on method and path shape: the server's base path is prefixed, path-parameter names are
normalised to `{}`, and a `#fragment` some published documents add to repeat a path is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from generator.diff.model import Change, Diff, Level, Side
from generator.diff.schemas import REQUEST, RESPONSE, Found, SchemaDiff, deref
from generator.load import Document, Json
from generator.pointer import pointer_join

BREAKING, SERVER, COMPATIBLE = Level.BREAKING, Level.SERVER, Level.COMPATIBLE
_SLASHES = re.compile(r"/+")
# As in generator.openapi, which this module does not import: that pulls in jsonschema, a tenth of a second of the
# command's start-up for nothing the diff uses.
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
TEMPLATE_PARAM = re.compile(r"{([^{}]+)}")


@dataclass(frozen=True)
class Operation:
    key: str  # "GET /ns-api/v2/calls/{}"
    display: str  # "GET /calls/{id}"
    node: dict[str, Any]
    pointer: str
    item: dict[str, Any]
    item_pointer: str


def base_path(data: Json) -> str:
    """The path part of the first server URL ("/ns-api/v2"), "" when there is none."""
    servers = data.get("servers") if isinstance(data, dict) else None
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = str(servers[0].get("url", ""))
    path = urlsplit(url).path if "://" in url else url
    return path.rstrip("/")


def path_shape(path: str) -> str:
    path = path.split("#", 1)[0]
    path = _SLASHES.sub("/", TEMPLATE_PARAM.sub("{}", path))
    return path.rstrip("/") or "/"


def index(doc: Document, use_servers: bool) -> dict[str, Operation]:
    prefix = base_path(doc.data) if use_servers else ""
    out: dict[str, Operation] = {}
    paths = doc.data.get("paths")
    if not isinstance(paths, dict):
        return out
    for path, raw_item in paths.items():
        item_pointer = pointer_join("", "paths", path)
        item, item_pointer, _ = deref(doc, raw_item, item_pointer)
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            key = f"{method.upper()} {path_shape(prefix + '/' + path)}"
            if key in out:  # the same shape twice (say /tokens and /tokens#2): keep both, numbered
                key = f"{key} #{sum(1 for k in out if k.startswith(key)) + 1}"
            out[key] = Operation(
                key, f"{method.upper()} {path}", node, pointer_join(item_pointer, method), item, item_pointer
            )
    return out


class OperationDiff:
    def __init__(self, old: Document, new: Document) -> None:
        self.old, self.new = old, new
        self.schemas = SchemaDiff(old, new)

    def change(self, level: Level, rule: str, op: str, message: str, at_old: str | None, at_new: str | None) -> Change:
        return Change(
            level,
            rule,
            op,
            message,
            None if at_old is None else Side.of(self.old, at_old),
            None if at_new is None else Side.of(self.new, at_new),
        )

    def found(self, op: str, where: str, items: list[Found]) -> Iterator[Change]:
        for f in items:
            label = f"{f.label}: " if f.label else ""
            yield self.change(f.level, f.rule, op, f"{where}: {label}{f.what}", f.old, f.new)

    def operation(self, o: Operation, n: Operation) -> Iterator[Change]:
        name = n.display
        old_id, new_id = o.node.get("operationId"), n.node.get("operationId")
        if old_id != new_id:
            # The generated clients name their methods after the operationId.
            yield self.change(
                BREAKING,
                "operation-id-changed",
                name,
                f"operationId {old_id} -> {new_id}",
                pointer_join(o.pointer, "operationId"),
                pointer_join(n.pointer, "operationId"),
            )
        for key in ("summary", "description", "deprecated", "tags"):
            if o.node.get(key) != n.node.get(key):
                rule = "operation-deprecated" if key == "deprecated" else f"operation-{key}-changed"
                yield self.change(
                    COMPATIBLE, rule, name, f"{key} changed", pointer_join(o.pointer, key), pointer_join(n.pointer, key)
                )
        yield from self._parameters(o, n)
        yield from self._body(o, n)
        yield from self._responses(o, n)
        yield from self._security(o, n)

    def _params(self, doc: Document, op: Operation) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
        out: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        path_names = [m.group(1) for m in TEMPLATE_PARAM.finditer(op.display.split(" ", 1)[1])]
        for owner, at in ((op.item, op.item_pointer), (op.node, op.pointer)):
            raw = owner.get("parameters")
            for i, entry in enumerate(raw if isinstance(raw, list) else []):
                node, where, _ = deref(doc, entry, pointer_join(at, "parameters", i))
                if not isinstance(node, dict):
                    continue
                place, pname = str(node.get("in", "")), str(node.get("name", ""))
                if place == "path":  # matched by position: the names are normalised away
                    pname = f"#{path_names.index(pname)}" if pname in path_names else pname
                elif place == "header":
                    pname = pname.lower()
                out[(place, pname)] = (node, where)
        return out

    def _parameters(self, o: Operation, n: Operation) -> Iterator[Change]:
        name = n.display
        old, new = self._params(self.old, o), self._params(self.new, n)
        for key, (node, at) in old.items():
            label = f"{key[0]} parameter {node.get('name')}"
            if key not in new:
                yield self.change(
                    BREAKING, "parameter-removed", name, f"{label} removed", at, pointer_join(n.pointer, "parameters")
                )
                continue
            new_node, new_at = new[key]
            if key[0] == "path" and node.get("name") != new_node.get("name"):
                yield self.change(
                    COMPATIBLE, "path-parameter-renamed", name, f"{label} renamed to {new_node.get('name')}", at, new_at
                )
            was, now = node.get("required") is True, new_node.get("required") is True
            if now and not was:
                yield self.change(BREAKING, "parameter-became-required", name, f"{label} became required", at, new_at)
            elif was and not now:
                yield self.change(COMPATIBLE, "parameter-became-optional", name, f"{label} became optional", at, new_at)
            if node.get("description") != new_node.get("description"):
                yield self.change(
                    COMPATIBLE, "parameter-description-changed", name, f"{label}: description changed", at, new_at
                )
            for style in ("style", "explode"):
                if node.get(style) != new_node.get(style):
                    yield self.change(
                        BREAKING, "parameter-style-changed", name, f"{label}: {style} changed", at, new_at
                    )
            if "schema" in node or "schema" in new_node:
                found = self.schemas.compare(
                    node.get("schema"),
                    pointer_join(at, "schema"),
                    new_node.get("schema"),
                    pointer_join(new_at, "schema"),
                    REQUEST,
                )
                yield from self.found(name, label, found)
        for key, (node, at) in new.items():
            if key in old:
                continue
            label = f"{key[0]} parameter {node.get('name')}"
            if node.get("required") is True:
                yield self.change(BREAKING, "required-parameter-added", name, f"required {label} added", o.pointer, at)
            else:
                yield self.change(COMPATIBLE, "parameter-added", name, f"optional {label} added", o.pointer, at)

    def _body(self, o: Operation, n: Operation) -> Iterator[Change]:
        name = n.display
        old, old_at, _ = deref(self.old, o.node.get("requestBody"), pointer_join(o.pointer, "requestBody"))
        new, new_at, _ = deref(self.new, n.node.get("requestBody"), pointer_join(n.pointer, "requestBody"))
        if not isinstance(old, dict) and not isinstance(new, dict):
            return
        if not isinstance(old, dict):
            required = isinstance(new, dict) and new.get("required") is True
            level, rule = (BREAKING, "required-request-body-added") if required else (COMPATIBLE, "request-body-added")
            yield self.change(level, rule, name, "request body added", o.pointer, new_at)
            return
        if not isinstance(new, dict):
            yield self.change(BREAKING, "request-body-removed", name, "request body removed", old_at, n.pointer)
            return
        was, now = old.get("required") is True, new.get("required") is True
        if now and not was:
            yield self.change(
                BREAKING, "request-body-became-required", name, "request body became required", old_at, new_at
            )
        elif was and not now:
            yield self.change(
                COMPATIBLE, "request-body-became-optional", name, "request body became optional", old_at, new_at
            )
        yield from self._content(name, "request body", old, old_at, new, new_at, REQUEST)

    def _content(
        self, name: str, where: str, old: dict[str, Any], old_at: str, new: dict[str, Any], new_at: str, direction: str
    ) -> Iterator[Change]:
        old_media = old.get("content") if isinstance(old.get("content"), dict) else {}
        new_media = new.get("content") if isinstance(new.get("content"), dict) else {}
        assert isinstance(old_media, dict) and isinstance(new_media, dict)
        for media, entry in old_media.items():
            at = pointer_join(old_at, "content", media)
            if media not in new_media:
                # A client sending (or expecting) this media type finds the server no longer speaks it.
                level = BREAKING if direction == REQUEST or not where.endswith("(error)") else COMPATIBLE
                yield self.change(
                    level,
                    f"{direction}-media-type-removed",
                    name,
                    f"{where}: {media} removed",
                    at,
                    pointer_join(new_at, "content"),
                )
                continue
            new_entry, n_at = new_media[media], pointer_join(new_at, "content", media)
            if not isinstance(entry, dict) or not isinstance(new_entry, dict):
                continue
            for key in ("example", "examples"):
                if entry.get(key) != new_entry.get(key):
                    yield self.change(
                        COMPATIBLE,
                        "example-changed",
                        name,
                        f"{where} {media}: {key} changed",
                        pointer_join(at, key),
                        pointer_join(n_at, key),
                    )
            if "schema" in entry or "schema" in new_entry:
                found = self.schemas.compare(
                    entry.get("schema"),
                    pointer_join(at, "schema"),
                    new_entry.get("schema"),
                    pointer_join(n_at, "schema"),
                    direction,
                )
                yield from self.found(name, f"{where} {media}", found)
        for media in new_media:
            if media not in old_media:
                level = SERVER if direction == REQUEST else COMPATIBLE
                yield self.change(
                    level,
                    f"{direction}-media-type-added",
                    name,
                    f"{where}: {media} added",
                    pointer_join(old_at, "content"),
                    pointer_join(new_at, "content", media),
                )

    def _responses(self, o: Operation, n: Operation) -> Iterator[Change]:
        name = n.display
        old = o.node.get("responses") if isinstance(o.node.get("responses"), dict) else {}
        new = n.node.get("responses") if isinstance(n.node.get("responses"), dict) else {}
        assert isinstance(old, dict) and isinstance(new, dict)
        old_base, new_base = pointer_join(o.pointer, "responses"), pointer_join(n.pointer, "responses")
        for status, raw in old.items():
            success = str(status).startswith("2")
            if status not in new:
                level = BREAKING if success else COMPATIBLE
                rule = "success-status-removed" if success else "error-status-removed"
                yield self.change(
                    level, rule, name, f"response {status} removed", pointer_join(old_base, status), new_base
                )
                continue
            resp, at, _ = deref(self.old, raw, pointer_join(old_base, status))
            new_resp, n_at, _ = deref(self.new, new[status], pointer_join(new_base, status))
            if isinstance(resp, dict) and isinstance(new_resp, dict):
                if resp.get("description") != new_resp.get("description"):
                    yield self.change(
                        COMPATIBLE,
                        "response-description-changed",
                        name,
                        f"response {status}: description changed",
                        at,
                        n_at,
                    )
                where = f"response {status}" + ("" if success else " (error)")
                yield from self._content(name, where, resp, at, new_resp, n_at, RESPONSE)
        for status in new:
            if status not in old:
                # The generated clients accept any declared 2xx and raise typed errors for the rest, so a new
                # status of either kind is one old clients already handle.
                success = str(status).startswith("2")
                level = COMPATIBLE
                rule = "success-status-added" if success else "error-status-added"
                yield self.change(
                    level, rule, name, f"response {status} added", old_base, pointer_join(new_base, status)
                )

    def _auth(self, doc: Document, op: Operation) -> tuple[frozenset[frozenset[str]], str]:
        """The alternatives an operation accepts, each a set of scheme signatures (type, place, name)."""
        if "security" in op.node:
            raw, at = op.node["security"], pointer_join(op.pointer, "security")
        else:
            raw, at = doc.data.get("security", []), "/security"
        schemes = (doc.data.get("components") or {}).get("securitySchemes") or {}
        alternatives: set[frozenset[str]] = set()
        for requirement in raw if isinstance(raw, list) else []:
            if isinstance(requirement, dict):
                alternatives.add(frozenset(_signature(doc, schemes, str(s)) for s in requirement))
        return frozenset(alternatives or {frozenset()}), at

    def _security(self, o: Operation, n: Operation) -> Iterator[Change]:
        old, old_at = self._auth(self.old, o)
        new, new_at = self._auth(self.new, n)
        public = frozenset() in new  # credentials old clients still send are then simply not needed
        for alt in sorted(old - new, key=sorted):
            level, rule = (COMPATIBLE, "auth-no-longer-required") if public else (BREAKING, "auth-removed")
            yield self.change(level, rule, n.display, f"auth {_alt(alt)} no longer accepted", old_at, new_at)
        for alt in sorted(new - old, key=sorted):
            yield self.change(COMPATIBLE, "auth-added", n.display, f"auth {_alt(alt)} now accepted", old_at, new_at)


def _signature(doc: Document, schemes: Json, name: str) -> str:
    node = schemes.get(name) if isinstance(schemes, dict) else None
    node, _, _ = deref(doc, node, "")
    if not isinstance(node, dict):
        return f"{name}(undeclared)"
    kind = str(node.get("type", ""))
    if kind == "apiKey":
        return f"apiKey({node.get('in')} {node.get('name')})"
    if kind == "http":
        return f"http({str(node.get('scheme', '')).lower()})"
    if kind == "oauth2":
        flows = node.get("flows") if isinstance(node.get("flows"), dict) else {}
        assert isinstance(flows, dict)
        urls = sorted(f"{flow}:{(v or {}).get('tokenUrl', '')}" for flow, v in flows.items() if isinstance(v, dict))
        return f"oauth2({', '.join(urls)})"
    return f"{kind}({name})"


def _alt(alt: frozenset[str]) -> str:
    return " + ".join(sorted(alt)) if alt else "none (public)"


def _hosts(data: Json, use_servers: bool) -> dict[str, int]:
    """Each server's URL (only scheme and host when base paths are matched as part of the paths), by index."""
    servers = data.get("servers") if isinstance(data, dict) else None
    out: dict[str, int] = {}
    for i, server in enumerate(servers if isinstance(servers, list) else []):
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        parts = urlsplit(url)
        out.setdefault(f"{parts.scheme}://{parts.netloc}" if use_servers and "://" in url else url, i)
    return out


def _servers(engine: OperationDiff, use_servers: bool) -> list[Change]:
    """A server gone is where existing clients (whose default base URL it may be) no longer reach the API."""
    old, new = _hosts(engine.old.data, use_servers), _hosts(engine.new.data, use_servers)
    out = [
        engine.change(BREAKING, "server-removed", "", f"server {url} removed", f"/servers/{i}", "/servers")
        for url, i in old.items()
        if url not in new
    ]
    out += [
        engine.change(COMPATIBLE, "server-added", "", f"server {url} added", "/servers", f"/servers/{i}")
        for url, i in new.items()
        if url not in old
    ]
    return out


def diff_documents(old: Document, new: Document, use_servers: bool = True) -> Diff:
    """Every change from old to new, sorted by operation, then level (breaking first), rule and message."""
    engine = OperationDiff(old, new)
    old_ops, new_ops = index(old, use_servers), index(new, use_servers)
    changes: list[Change] = []
    for key, op in old_ops.items():
        if key in new_ops:
            changes.extend(engine.operation(op, new_ops[key]))
        else:
            changes.append(
                engine.change(BREAKING, "operation-removed", op.display, "operation removed", op.pointer, "/paths")
            )
    for key, op in new_ops.items():
        if key not in old_ops:
            changes.append(
                engine.change(COMPATIBLE, "operation-added", op.display, "operation added", "/paths", op.pointer)
            )
    changes += _servers(engine, use_servers)
    unique = sorted(set(changes), key=Change.sort_key)
    return Diff(old.display, new.display, tuple(unique))
