"""The drift report: violations grouped by operation, each kind with a proposed spec change.

Text for people, JSON for tools, JUnit XML for CI (one test case per operation seen). Every string leaving
this module has passed the Redactor, so a credential the traffic carried never reaches a report.
"""

from __future__ import annotations

import http
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.ir import reference
from generator.pointer import escape
from generator.proxy.check import UNKNOWN, Violation, json_type

Locate = Callable[[str], str]  # JSON pointer -> "file:line", "" when unknown


def infer(value: Any, depth: int = 0) -> dict[str, Any]:
    """A JSON Schema that describes one value seen on the wire, for a proposal to start from."""
    kind = json_type(value)
    if kind == "object" and depth < 4:
        return {"type": "object", "properties": {k: infer(v, depth + 1) for k, v in value.items()}}
    if kind == "array" and value and depth < 4:
        return {"type": "array", "items": infer(value[0], depth + 1)}
    return {"type": kind}


def _dump(value: Any) -> str:
    text: str = yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return text.rstrip()


def propose(v: Violation) -> dict[str, Any] | None:
    """The change to the spec that would make this violation go away, for a maintainer to review: the JSON
    pointer of the node to add or replace, and the YAML to put there."""
    detail = v.detail
    if v.kind == "undeclared-field" and isinstance(detail, dict):
        name = detail["name"]
        return {
            "action": "add",
            "pointer": f"{v.schema}/{escape(name)}",
            "yaml": _dump({name: infer(detail["value"])}),
        }
    if v.kind == "type" and isinstance(detail, dict):
        declared = detail["declared"] if isinstance(detail["declared"], list) else [detail["declared"]]
        return {
            "action": "replace",
            "pointer": f"{v.schema}/type",
            "yaml": _dump({"type": [*declared, detail["seen"]]}),
        }
    if v.kind == "missing-field":
        return {
            "action": "remove",
            "pointer": f"{v.schema}/required",
            "yaml": f"# drop {detail!r} from required: the vendor answers without it",
        }
    if v.kind == "enum" and isinstance(detail, dict):
        return {
            "action": "replace",
            "pointer": f"{v.schema}/enum",
            "yaml": _dump({"enum": [*detail["enum"], detail["seen"]]}),
        }
    if v.kind in ("undeclared-status", "unlisted-status") and isinstance(detail, dict):
        status = int(detail["status"])
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Status seen from the vendor"
        entry: dict[str, Any] = {"description": f"{phrase} (answered by the vendor, not in its docs)"}
        body = detail.get("body")
        media = str(detail.get("content_type") or "application/json").split(";")[0].strip()
        if body is not None:
            known = detail.get("schema_component")
            entry["content"] = {media: {"schema": reference(known) if known else infer(body)}}
        return {"action": "add", "pointer": f"{v.schema}/{status}", "yaml": _dump({str(status): entry})}
    if v.kind == "unknown-operation" and isinstance(detail, dict):
        snippet = {
            detail["path"]: {
                detail["method"].lower(): {
                    "operationId": "TODO_name_it",
                    "summary": "Seen in traffic, not in the spec",
                    "responses": {str(detail["status"]): {"description": "Seen in traffic"}},
                }
            }
        }
        return {"action": "add", "pointer": "/paths", "yaml": _dump(snippet)}
    if v.kind == "content-type":
        return {"action": "add", "pointer": v.schema, "yaml": _dump({v.actual: {"schema": {}}})}
    return None


@dataclass
class Finding:
    """One kind of violation at one place of one operation, with how often and when it was first seen."""

    violation: Violation
    count: int = 0
    first_seen: dict[str, Any] = field(default_factory=dict)


@dataclass
class Drift:
    """Everything the proxy saw, accumulated across requests (thread-safe: the report endpoint reads it)."""

    vendor: str
    target: str
    redact: Callable[[str], str]
    locate: Locate = lambda pointer: ""
    requests: dict[str, int] = field(default_factory=dict)
    findings: dict[tuple[str, str, str, str], Finding] = field(default_factory=dict)
    effects: dict[str, str] = field(default_factory=dict)  # operations seen that act in the world: what each does
    rate_limited: int = 0
    unchecked: int = 0  # bodies over the validation cap, forwarded but not checked
    upstream_errors: int = 0
    started: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def seen(self, operation: str, effects: str | None = None) -> None:
        with self._lock:
            self.requests[operation] = self.requests.get(operation, 0) + 1
            if effects:
                self.effects[operation] = effects

    def add(self, violation: Violation, example: dict[str, Any]) -> None:
        key = (violation.operation, violation.direction, violation.kind, violation.where)
        with self._lock:
            finding = self.findings.get(key)
            if finding is None:
                finding = self.findings[key] = Finding(violation, 0, {**example, "time": _iso(time.time())})
            finding.count += 1

    @property
    def violations(self) -> int:
        return sum(f.count for f in self.findings.values())

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            findings = list(self.findings.values())
            requests = dict(self.requests)
        operations = []
        for op in sorted(requests):
            mine = [f for f in findings if f.violation.operation == op]
            operations.append(
                {
                    "operation": op,
                    "requests": requests[op],
                    "effects": self.effects.get(op),
                    "violations": sum(f.count for f in mine),
                    "findings": [self._finding(f) for f in sorted(mine, key=_order)],
                }
            )
        report = {
            "vendor": self.vendor,
            "target": self.target,
            "started": _iso(self.started),
            "requests": sum(requests.values()),
            "violations": sum(f.count for f in findings),
            "rate_limit_exceeded": self.rate_limited,
            "bodies_not_checked": self.unchecked,
            "upstream_errors": self.upstream_errors,
            "undeclared_fields": sorted(
                {f.violation.where for f in findings if f.violation.kind == "undeclared-field"}
            ),
            "undeclared_statuses": sorted(
                {
                    f"{f.violation.operation} {f.violation.detail['status']}"
                    for f in findings
                    if f.violation.kind in ("undeclared-status", "unlisted-status")
                }
            ),
            "type_mismatches": sorted({f.violation.where for f in findings if f.violation.kind == "type"}),
            "operations": operations,
        }
        redacted: dict[str, Any] = json.loads(self.redact(json.dumps(report, ensure_ascii=False)))
        return redacted

    def _finding(self, f: Finding) -> dict[str, Any]:
        v = f.violation
        proposal = propose(v)
        if proposal is not None:
            proposal["location"] = self.locate(proposal["pointer"])
        return {
            "direction": v.direction,
            "kind": v.kind,
            "where": v.where,
            "expected": v.expected,
            "actual": v.actual,
            "count": f.count,
            "first_seen": f.first_seen,
            "spec_pointer": v.schema,
            "proposal": proposal,
        }

    def text(self) -> str:
        report = self.as_json()
        lines = [
            f"voxspec proxy: {report['vendor']} via {report['target']}: {report['requests']} request(s), "
            f"{report['violations']} violation(s) since {report['started']}"
        ]
        if report["rate_limit_exceeded"]:
            lines.append(f"  the application exceeded the spec's rate limit {report['rate_limit_exceeded']} time(s)")
        if report["bodies_not_checked"]:
            lines.append(f"  {report['bodies_not_checked']} body(ies) over the validation cap were forwarded unchecked")
        if report["upstream_errors"]:
            lines.append(f"  {report['upstream_errors']} request(s) could not reach the target (answered 502)")
        for title, key in (
            ("fields the vendor sends that the spec does not declare", "undeclared_fields"),
            ("status codes the spec does not list", "undeclared_statuses"),
            ("types that disagree", "type_mismatches"),
        ):
            if report[key]:
                lines.append(f"  {title}: {', '.join(report[key])}")
        for op in report["operations"]:
            effects = f" [effects: {op['effects']}]" if op["effects"] else ""
            lines.append(f"\n{op['operation']}: {op['requests']} request(s), {op['violations']} violation(s){effects}")
            for f in op["findings"]:
                lines.append(
                    f"  {f['count']}x {f['direction']} {f['where']}: {f['kind']}: expected {f['expected']}, "
                    f"got {f['actual']} (first {f['first_seen'].get('method', '')} {f['first_seen'].get('path', '')}"
                    f" at {f['first_seen'].get('time', '')})"
                )
                p = f["proposal"]
                if p:
                    at = f" ({p['location']})" if p.get("location") else ""
                    lines.append(f"    proposed: {p['action']} at {p['pointer']}{at}:")
                    lines += ["      " + line for line in p["yaml"].splitlines()]
        return "\n".join(lines) + "\n"

    def junit(self) -> bytes:
        report = self.as_json()
        suite = ET.Element(
            "testsuite",
            name=f"voxspec proxy {report['vendor']}",
            tests=str(len(report["operations"])),
            failures=str(sum(1 for op in report["operations"] if op["violations"])),
        )
        for op in report["operations"]:
            case = ET.SubElement(suite, "testcase", classname=f"proxy.{report['vendor']}", name=op["operation"])
            if op["violations"]:
                failure = ET.SubElement(
                    case, "failure", message=f"{op['violations']} violation(s) in {op['requests']} request(s)"
                )
                failure.text = "\n".join(
                    f"{f['count']}x {f['direction']} {f['where']}: {f['kind']}: "
                    f"expected {f['expected']}, got {f['actual']}"
                    for f in op["findings"]
                )
        suites = ET.Element("testsuites")
        suites.append(suite)
        text = ET.tostring(suites, encoding="unicode")
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + self.redact(text) + "\n").encode("utf-8")


def _order(f: Finding) -> tuple[int, str, str]:
    return (-f.count, f.violation.direction, f.violation.where)


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


__all__ = ["UNKNOWN", "Drift", "infer", "propose"]
