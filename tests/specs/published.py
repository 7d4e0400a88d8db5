"""Our specs against the vendors' own published OpenAPI documents.

Some vendors publish an OpenAPI document of their own (kept outside the repository, in
``../shared/vendor-references``, the nearest such folder above the repository;
``VOXSPEC_VENDOR_REFERENCES`` points elsewhere). It is evidence,
never text to copy: this module only compares shapes.

Operations are matched by method and path shape: the path under the server URL (server variables
at their defaults, so a base path kept in our paths and one kept in the vendor's server URL compare
alike), every ``{parameter}`` name blanked, and a vendor's ``#n`` variant suffix (several shapes of
one operation) dropped, the variants merging. For each operation both have, every property we
declare in the JSON request body (compared with the vendor's form body when it gives no JSON one, and with
the item schema when the vendor's body schema is an array but its example of that body is one object) and in
the 2xx JSON bodies of status codes both declare (nested
objects and array items walked, ``$ref``s resolved, a name declared by alternative shapes counted once)
must exist in the vendor's schema at the same
place with the same JSON type. A vendor body that is a bare object without a single property is the
vendor's tool's placeholder for "not documented": it is listed, not compared. Types compare without
``null`` (nullability is judged apart), and our
``integer`` agrees with the vendor's ``number``; a schema without a type accepts anything.

A difference is covered when our spec records a decision about it: an ``x-voxspec-decision`` naming
the published document's file name on the property, or on any schema, media type, request body or
response enclosing it. An operation we have that the vendor's document lacks is covered by such a
decision on the operation; a published operation we leave out by an entry in the root
``x-voxspec-omitted`` mapping (see specs/CONVENTIONS.md).

``python -m tests.specs.published netsapiens`` prints the per-operation differences and the figures.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML

from generator.pointer import unescape

Json = Any
ROOT = Path(__file__).resolve().parents[2]


def _references() -> Path:
    """``../shared/vendor-references`` beside the repository; from a git worktree nested one level
    deeper, the nearest such folder above it."""
    if "VOXSPEC_VENDOR_REFERENCES" in os.environ:
        return Path(os.environ["VOXSPEC_VENDOR_REFERENCES"])
    candidates = [folder / "shared" / "vendor-references" for folder in ROOT.parents]
    return next((c for c in candidates if c.is_dir()), candidates[0])


REFERENCES = _references()
METHODS = ("get", "put", "post", "delete", "patch")
PARAM = re.compile(r"\{[^}/]*\}")
VARIABLE = re.compile(r"\{(\w+)\}")
DECISION = "x-voxspec-decision"
OMITTED = "x-voxspec-omitted"
OMITTED_KEY = re.compile(r"^(GET|PUT|POST|DELETE|PATCH) (/\S*)$")


@dataclass(frozen=True)
class Published:
    """A vendor's published document, and which of its operations our spec must have."""

    vendor: str
    document: str
    # Tags of the vendor's document whose operations we must model; None: every operation.
    families: tuple[str, ...] | None


PUBLISHED: dict[str, Published] = {
    "netsapiens": Published(
        "netsapiens",
        "netsapiens-api-v2-v45.0.openapi.json",
        (
            "Calls (live/active calls)",
            "CDR (Call History)",
            "Event Subscriptions",
            "Media/Voicemail",
            "Recordings",
            "Contacts",
            "Contacts/Shared Contacts",
            "Sites",
            "Conference",
            "Conference/Conferences",
            "Conference/Participants",
            "Auto Attendant",
            "Dialrule",  # the vendor files dial plans and their dial rules under this one tag
            "SMS Numbers",
            "Messages",
        ),
    ),
    "avaya": Published("avaya", "avaya-axp-admin-voice-1.0.2.openapi.json", None),
}


# ----------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Doc:
    """One OpenAPI document, ours or the vendor's."""

    data: dict[str, Json]

    def deref(self, node: Json) -> Json:
        for _ in range(50):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            ref: str = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"external $ref {ref} is not supported")
            target: Json = self.data
            for part in ref[2:].split("/"):
                target = target[unescape(part)]
            node = target
        raise ValueError("$ref chain too long (a loop?)")

    def chain(self, node: Json) -> list[Json]:
        """The node and every node its $refs lead to, in order."""
        out = [node]
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = self.deref({"$ref": node["$ref"]})
            out.append(node)
        return out

    @property
    def prefix(self) -> str:
        """The path part of the first server URL, variables at their defaults."""
        servers = self.data.get("servers") or [{"url": "/"}]
        server = servers[0]
        variables = server.get("variables") or {}
        url = VARIABLE.sub(lambda m: str((variables.get(m.group(1)) or {}).get("default", "")), server["url"])
        return urlsplit(url).path.rstrip("/") if "://" in url else url.rstrip("/")


def shape(path: str) -> str:
    return PARAM.sub("{}", path.split("#", 1)[0])


@dataclass
class Operation:
    method: str
    path: str  # as written, under the server URL
    nodes: list[dict[str, Json]]  # the vendor may list one operation in several variants
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(doc: Doc, strip: str) -> dict[tuple[str, str], Operation]:
    """Operations by (METHOD, path shape under `strip`)."""
    out: dict[tuple[str, str], Operation] = {}
    for path, item in (doc.data.get("paths") or {}).items():
        full = doc.prefix + path.split("#", 1)[0]
        relative = full[len(strip) :] if strip and full.startswith(strip) else full
        for method, node in item.items():
            if method not in METHODS or not isinstance(node, dict):
                continue
            key = (method.upper(), shape(relative))
            tags = tuple(node.get("tags") or ())
            if key in out:
                out[key].nodes.append(node)
                out[key].tags = tuple(dict.fromkeys(out[key].tags + tags))
            else:
                out[key] = Operation(method, relative, [node], tags)
    return out


# ----------------------------------------------------------------------------- schemas

Schemas = list[Json]


def names_document(nodes: Iterable[Json], document: str) -> bool:
    """Whether any of the nodes records a decision that names the published document."""
    for node in nodes:
        decision = node.get(DECISION) if isinstance(node, dict) else None
        texts = decision if isinstance(decision, list) else [decision]
        if any(isinstance(t, str) and document in t for t in texts):
            return True
    return False


def _members(doc: Doc, node: Json) -> Iterator[dict[str, Json]]:
    """The schema and every schema it is made of (allOf/anyOf/oneOf, and the vendor's tool's
    x-apidog-refs, whose referenced properties it sometimes leaves out of `properties`)."""
    node = doc.deref(node)
    if not isinstance(node, dict):
        return
    yield node
    for key in ("allOf", "anyOf", "oneOf"):
        for member in node.get(key) or []:
            yield from _members(doc, member)
    for ref in (node.get("x-apidog-refs") or {}).values():
        if isinstance(ref, dict) and "$ref" in ref:
            yield from _members(doc, {"$ref": ref["$ref"]})


def properties(doc: Doc, node: Json) -> dict[str, Schemas]:
    out: dict[str, Schemas] = {}
    for member in _members(doc, node):
        for name, prop in (member.get("properties") or {}).items():
            out.setdefault(name, []).append(prop)
    return out


def items(doc: Doc, node: Json) -> Schemas:
    return [m["items"] for m in _members(doc, node) if isinstance(m.get("items"), dict)]


def types(doc: Doc, node: Json) -> set[str] | None:
    """The JSON types a schema allows, "null" included; None when it does not say."""
    found: set[str] = set()
    said = False
    for member in _members(doc, node):
        kind = member.get("type")
        if isinstance(kind, str):
            found.add(kind)
            said = True
        elif isinstance(kind, list):
            found.update(str(k) for k in kind)
            said = True
        elif "properties" in member:
            found.add("object")
            said = True
        elif "items" in member:
            found.add("array")
            said = True
        if member.get("nullable") is True:
            found.add("null")
    return found if said else None


def agree(ours: set[str] | None, theirs: set[str] | None) -> bool:
    if ours is None or theirs is None:
        return True
    mine, vendor = ours - {"null"}, theirs - {"null"}
    if not mine or not vendor:
        return True
    if "number" in vendor:
        vendor = vendor | {"integer"}
    return mine <= vendor


# ----------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Difference:
    where: str  # "request" or "response 200"
    path: str  # dotted property path, [] for array items
    kind: str  # "name" (absent from the vendor's schema) or "type"
    detail: str
    covered: bool

    def __str__(self) -> str:
        mark = "decided" if self.covered else "OPEN"
        return f"[{mark}] {self.where} {self.path}: {self.kind}: {self.detail}"


@dataclass
class OperationReport:
    ours: Operation
    theirs: Operation
    declared: int = 0
    agreeing: int = 0
    differences: list[Difference] = field(default_factory=list)
    unspecified: list[str] = field(default_factory=list)  # bodies the vendor leaves without properties

    @property
    def open(self) -> list[Difference]:
        return [d for d in self.differences if not d.covered]


def _type_text(kinds: set[str] | None) -> str:
    return "any" if kinds is None else "|".join(sorted(kinds))


class Comparer:
    def __init__(self, ours: Doc, theirs: Doc, document: str) -> None:
        self.ours, self.theirs, self.document = ours, theirs, document

    def walk(self, report: OperationReport, where: str, mine: Json, vendor: Schemas, path: str, covered: bool) -> None:
        """Compare the properties of our schema `mine` with those of any of the vendor's `vendor`."""
        chain = self.ours.chain(mine)
        covered = covered or names_document(chain, self.document)
        theirs_props: dict[str, Schemas] = {}
        for schema in vendor:
            for name, props in properties(self.theirs, schema).items():
                theirs_props.setdefault(name, []).extend(props)
        for name, prop in properties(self.ours, mine).items():
            # A name declared by several alternative shapes (anyOf/oneOf) at one place is one property.
            self._property(report, where, name, prop, theirs_props.get(name, []), path, covered)
        our_items = items(self.ours, mine)
        if our_items:
            their_items = [i for s in vendor for i in items(self.theirs, s)]
            for item in our_items:
                self.walk(report, where, item, their_items, f"{path}[]", covered)

    def _property(
        self, report: OperationReport, where: str, name: str, mine: Schemas, vendor: Schemas, path: str, covered: bool
    ) -> None:
        here = f"{path}.{name}" if path else name
        covered = covered or any(names_document(self.ours.chain(one), self.document) for one in mine)
        report.declared += 1
        if not vendor:
            nested = self._count({"anyOf": mine}, set())
            report.declared += nested
            detail = "not in the vendor's schema" + (f" ({nested} nested properties with it)" if nested else "")
            report.differences.append(Difference(where, here, "name", detail, covered))
            return
        ours_t = types(self.ours, {"anyOf": mine})
        theirs_t: set[str] | None = set()
        for schema in vendor:
            kinds = types(self.theirs, schema)
            theirs_t = None if kinds is None or theirs_t is None else theirs_t | kinds
        if agree(ours_t, theirs_t):
            report.agreeing += 1
        else:
            detail = f"ours {_type_text(ours_t)}, theirs {_type_text(theirs_t)}"
            report.differences.append(Difference(where, here, "type", detail, covered))
        for one in mine:
            self.walk(report, where, one, vendor, here, covered)

    def _count(self, node: Json, seen: set[int]) -> int:
        """How many properties sit beneath a schema (each schema counted once, in case of cycles)."""
        node = self.ours.deref(node)
        if id(node) in seen:
            return 0
        seen = seen | {id(node)}
        total = 0
        for props in properties(self.ours, node).values():
            for prop in props:
                total += 1 + self._count(prop, seen)
        for item in items(self.ours, node):
            total += self._count(item, seen)
        return total

    def unspecified(self, vendor: Schemas) -> bool:
        """Whether the vendor gives a body as a bare object without a single property: its tool's placeholder
        for "not documented", which says nothing a property could agree or disagree with."""
        return bool(vendor) and all(
            not properties(self.theirs, v) and not items(self.theirs, v) and types(self.theirs, v) in (None, {"object"})
            for v in vendor
        )

    def request_schema(self, media: dict[str, Json]) -> Json:
        """The vendor's JSON request schema; its item schema where the schema is an array but the vendor's own
        example of the body is one object (its tool reusing a list schema for a write): the example shows what
        is sent, so the properties are compared with the item's."""
        schema = media.get("schema")
        examples = [media["example"]] if "example" in media else []
        examples += [e.get("value") for e in (media.get("examples") or {}).values() if isinstance(e, dict)]
        their_items = items(self.theirs, schema) if schema is not None else []
        if their_items and not properties(self.theirs, schema) and examples:
            if all(isinstance(e, dict) for e in examples):
                return {"anyOf": their_items}
        return schema

    def body(self, report: OperationReport, where: str, mine: Json, vendor: Schemas, covered: bool) -> None:
        if self.unspecified(vendor):
            report.unspecified.append(where)
            return
        self.walk(report, where, mine, vendor, "", covered)

    def operation(self, ours: Operation, theirs: Operation) -> OperationReport:
        report = OperationReport(ours, theirs)
        (mine,) = ours.nodes
        body = mine.get("requestBody")
        if body is not None:
            media = _json(self.ours.deref(body).get("content"))
            if media is not None:
                bodies = [self.theirs.deref(node.get("requestBody") or {}) for node in theirs.nodes]
                contents = [body.get("content") or {} for body in bodies]
                vendor = [self.request_schema(m) for c in contents if (m := _json(c)) is not None]
                if not vendor:
                    # No JSON body there: the vendor's form fields are its names for the same request.
                    vendor = [m.get("schema") for c in contents for m in c.values() if isinstance(m, dict)]
                covered = names_document([*self.ours.chain(body), media], self.document)
                self.body(report, "request", media.get("schema") or {}, [v for v in vendor if v], covered)
        their_codes: dict[str, list[Json]] = {}
        for node in theirs.nodes:
            for code, response in (node.get("responses") or {}).items():
                their_codes.setdefault(str(code), []).append(self.theirs.deref(response))
        for status, response in (mine.get("responses") or {}).items():
            code = str(status)
            if not code.startswith("2") or code not in their_codes:
                continue
            media = _json(self.ours.deref(response).get("content"))
            if media is None:
                continue
            vendor = [m.get("schema") for r in their_codes[code] if (m := _json(r.get("content"))) is not None]
            covered = names_document([*self.ours.chain(response), media], self.document)
            self.body(report, f"response {code}", media.get("schema") or {}, [v for v in vendor if v], covered)
        return report


def _json(content: Json) -> dict[str, Json] | None:
    """The JSON media type of a content map; failing that `*/*`, which the vendor's tool writes for JSON too."""
    found: dict[str, Json] | None = None
    for kind, media in (content or {}).items():
        base = kind.split(";", 1)[0].strip().lower()
        if (base == "application/json" or base.endswith("+json")) and isinstance(media, dict):
            return media
        if base == "*/*" and isinstance(media, dict):
            found = media
    return found


# ----------------------------------------------------------------------------- the whole comparison


@dataclass
class Agreement:
    published: Published
    ours: dict[tuple[str, str], Operation]
    theirs: dict[tuple[str, str], Operation]
    reports: dict[tuple[str, str], OperationReport]
    omitted: dict[tuple[str, str], str]  # what x-voxspec-omitted says, by operation key
    spec: Doc

    @property
    def matched(self) -> list[tuple[str, str]]:
        return sorted(self.reports)

    @property
    def ours_only(self) -> list[tuple[str, str]]:
        return sorted(self.ours.keys() - self.theirs.keys())

    @property
    def theirs_only(self) -> list[tuple[str, str]]:
        return sorted(self.theirs.keys() - self.ours.keys())

    def required(self) -> list[tuple[str, str]]:
        """Published operations our spec must have: those of the required families, or all."""
        families = self.published.families
        return sorted(k for k, op in self.theirs.items() if families is None or set(op.tags) & set(families))

    def missing(self) -> list[tuple[str, str]]:
        return [k for k in self.required() if k not in self.ours]

    def omission_covers(self, key: tuple[str, str]) -> bool:
        return self.published.document in self.omitted.get(key, "")

    def ours_only_covered(self, key: tuple[str, str]) -> bool:
        return names_document(self.ours[key].nodes, self.published.document)

    @property
    def declared(self) -> int:
        return sum(r.declared for r in self.reports.values())

    @property
    def agreeing(self) -> int:
        return sum(r.agreeing for r in self.reports.values())

    @property
    def share(self) -> float:
        return self.agreeing / self.declared if self.declared else 1.0

    def figures(self) -> str:
        return (
            f"{self.published.vendor} vs {self.published.document}: operations matched {len(self.matched)}"
            f" / ours {len(self.ours)} / theirs {len(self.theirs)};"
            f" properties agreeing {self.agreeing} / {self.declared} ({100 * self.share:.1f}%);"
            f" open differences {sum(len(r.open) for r in self.reports.values())};"
            f" required published operations missing {len(self.missing())} of {len(self.required())}"
            f" ({sum(not self.omission_covers(k) for k in self.missing())} without a decision)"
        )


def reference_path(vendor: str) -> Path:
    return REFERENCES / PUBLISHED[vendor].document


def available(vendor: str) -> bool:
    return reference_path(vendor).is_file()


@cache
def _vendor_doc(vendor: str) -> Doc:
    return Doc(json.loads(reference_path(vendor).read_text("utf-8")))


def _our_doc(vendor: str) -> Doc:
    data: dict[str, Json] = YAML(typ="safe").load((ROOT / "specs" / vendor / "openapi.yaml").read_text("utf-8"))
    return Doc(data)


def agreement(vendor: str) -> Agreement:
    published = PUBLISHED[vendor]
    theirs_doc, ours_doc = _vendor_doc(vendor), _our_doc(vendor)
    strip = theirs_doc.prefix
    theirs, ours = operations(theirs_doc, strip), operations(ours_doc, strip)
    comparer = Comparer(ours_doc, theirs_doc, published.document)
    reports = {key: comparer.operation(ours[key], theirs[key]) for key in sorted(ours.keys() & theirs.keys())}
    omitted: dict[tuple[str, str], str] = {}
    for entry, why in (ours_doc.data.get(OMITTED) or {}).items():
        match = OMITTED_KEY.match(str(entry))
        if match:
            omitted[(match.group(1), shape(match.group(2)))] = str(why)
    return Agreement(published, ours, theirs, reports, omitted, ours_doc)


def label(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


def render(result: Agreement) -> str:
    lines: list[str] = []
    for key, report in result.reports.items():
        if report.differences or report.unspecified:
            lines.append(f"{label(key)}  ({report.agreeing}/{report.declared} agree)")
            lines.extend(f"    {d}" for d in report.differences)
            lines.extend(f"    [not compared] {w}: the vendor gives no properties" for w in report.unspecified)
    for key in result.ours_only:
        mark = "decided" if result.ours_only_covered(key) else "OPEN"
        lines.append(f"[{mark}] only in ours: {result.ours[key].label}")
    for key in result.missing():
        mark = "decided" if result.omission_covers(key) else "OPEN"
        theirs = result.theirs[key]
        lines.append(f"[{mark}] published, required, missing: {theirs.label} {list(theirs.tags)}")
    lines.append(result.figures())
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    vendors = argv or sorted(PUBLISHED)
    for vendor in vendors:
        if vendor not in PUBLISHED:
            print(f"no published document is known for {vendor!r}; known: {', '.join(sorted(PUBLISHED))}")
            return 2
        if not available(vendor):
            print(f"{reference_path(vendor)} is missing; set VOXSPEC_VENDOR_REFERENCES")
            return 2
        print(render(agreement(vendor)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
