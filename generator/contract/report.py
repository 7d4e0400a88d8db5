"""Reports of a contract run: the human summary, a JSON report and JUnit XML, every text redacted.

Grouped by operation, then check; each distinct failure carries one curl that reproduces it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from generator.contract.credentials import Redactor
from generator.contract.plan import Plan
from generator.contract.runner import RunResult


def passed(result: RunResult) -> bool:
    """Exit 0 only when no check failed, nothing errored and the run was not cut short by the server."""
    return not result.failures and not result.errors and not (result.stopped and not _budget_stop(result))


def _budget_stop(result: RunResult) -> bool:
    return bool(result.stopped and "budget" in result.stopped)


def _plan_dict(plan: Plan) -> dict[str, Any]:
    return {
        "vendor": plan.vendor,
        "base_url": plan.base_url,
        "target": plan.target,
        "seed": plan.seed,
        "budget": plan.budget,
        "budget_source": plan.budget_source,
        "rate_limit": None
        if plan.rate_limit is None
        else {"requests": plan.rate_limit.requests, "window_seconds": plan.rate_limit.window},
        "max_wait_seconds": plan.max_wait,
        "checks": list(plan.checks),
        "checks_left_out": dict(plan.left_out_checks),
        "operations": [
            {
                "operation_id": op.operation_id,
                "method": op.method,
                "path": op.path,
                "writes": op.writes,
                "effects": op.effects,
            }
            for op in plan.operations
        ],
        "skipped": [{"operation_id": i, "operation": label, "reason": why} for i, label, why in plan.skipped],
    }


def as_json(result: RunResult, redact: Redactor) -> dict[str, Any]:
    data = {
        "passed": passed(result),
        "plan": _plan_dict(result.plan),
        "requests_sent": result.requests_sent,
        "retries_after_retry_after": result.retried,
        "seconds_waited_for_rate_limits": round(result.waited, 3),
        "stopped": result.stopped,
        "wrong_base_url": result.wrong_base_url,
        "failures": result.failures,
        "errors": result.errors,
        "operations": [
            {
                "operation_id": op.operation.operation_id,
                "operation": op.operation.label,
                "not_run": op.not_run,
                "requests": op.requests,
                "responses": op.cases,
                "statuses": {str(k): v for k, v in sorted(op.statuses.items())},
                "checks": {name: {"passed": p, "failed": f} for name, (p, f) in sorted(op.checks.items())},
                "failures": [
                    {
                        "check": f.check,
                        "kind": f.kind,
                        "title": f.title,
                        "message": f.message,
                        "status": f.status,
                        "occurrences": f.count,
                        "curl": f.curl,
                    }
                    for f in op.failures.values()
                ],
                "errors": op.errors,
                "refused_as_writes": op.refused,
            }
            for op in result.operations
        ],
    }
    redacted: dict[str, Any] = redact.deep(data)
    return redacted


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def summary(result: RunResult, redact: Redactor) -> str:
    lines = [f"voxspec contract {result.plan.vendor}: results against {result.plan.base_url}"]
    for op in result.operations:
        head = f"{op.operation.label}  [{op.operation.operation_id}]"
        if op.not_run:
            lines.append(f"  {head}: not run ({op.not_run})")
            continue
        statuses = ", ".join(f"{code}x{n}" for code, n in sorted(op.statuses.items())) or "no response"
        refused = f"; {op.refused} generated request(s) not sent: their path is a write's" if op.refused else ""
        lines.append(f"  {head}: {op.cases} response(s) ({statuses}){refused}")
        failed = {f.check for f in op.failures.values()}
        clean = [name for name in sorted(op.checks) if name not in failed]
        if clean:
            lines.append(f"    ok    {', '.join(clean)}")
        for name in sorted(failed):
            lines.append(f"    FAIL  {name}")
            for f in (f for f in op.failures.values() if f.check == name):
                times = f" (x{f.count})" if f.count > 1 else ""
                lines.append(f"      {f.kind}: {f.title}{times}")
                if f.message:
                    lines.append(_indent(f.message, "        "))
                lines.append(f"        Reproduce with: {f.curl}")
        for error in op.errors:
            lines.append(f"    ERROR {error}")
    lines.append(
        f"voxspec contract: {result.requests_sent} request(s) sent of a budget of {result.plan.budget}, "
        f"{result.responses} response(s) checked, {result.failures} failure(s), {result.errors} error(s)"
        + (f", waited {result.waited:.1f} s for rate limits" if result.waited >= 0.05 else "")
    )
    if result.wrong_base_url:
        lines.append(f"voxspec contract: FINDING: {result.wrong_base_url}")
    if result.stopped:
        lines.append(f"voxspec contract: stopped early: {result.stopped}")
    lines.append("voxspec contract: " + ("PASSED" if passed(result) else "FAILED"))
    return redact("\n".join(lines))


def junit(result: RunResult, redact: Redactor) -> bytes:
    """One testcase per (operation, check) that ran; an operation that did not run is one skipped testcase."""
    suites = ET.Element("testsuites", name=f"voxspec contract {result.plan.vendor}")
    suite = ET.SubElement(suites, "testsuite", name=f"voxspec contract {result.plan.vendor}")
    tests = failures = skipped = errors = 0
    for op in result.operations:
        classname = f"{op.operation.operation_id} ({op.operation.label})"
        if op.not_run:
            case = ET.SubElement(suite, "testcase", classname=classname, name="not run")
            ET.SubElement(case, "skipped", message=op.not_run)
            tests, skipped = tests + 1, skipped + 1
            continue
        for name, (ok, _bad) in sorted(op.checks.items()):
            case = ET.SubElement(suite, "testcase", classname=classname, name=name)
            tests += 1
            found = [f for f in op.failures.values() if f.check == name]
            if found:
                failures += 1
                element = ET.SubElement(case, "failure", message=found[0].title, type=found[0].kind)
                element.text = "\n\n".join(f"{f.title}\n{f.message}\nReproduce with: {f.curl}" for f in found)
            else:
                ET.SubElement(case, "system-out").text = f"{ok} response(s) passed"
        for error in op.errors:
            case = ET.SubElement(suite, "testcase", classname=classname, name="request")
            ET.SubElement(case, "error", message=error)
            tests, errors = tests + 1, errors + 1
    if result.wrong_base_url:
        case = ET.SubElement(suite, "testcase", classname="base URL", name="base_url")
        ET.SubElement(case, "failure", message=result.wrong_base_url, type="WrongBaseUrl")
        tests, failures = tests + 1, failures + 1
    for element in (suite, suites):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
        element.set("skipped", str(skipped))
    for node in suites.iter():
        node.text = redact(node.text) if node.text else node.text
        for key, value in node.attrib.items():
            node.set(key, redact(value))
    ET.indent(suites)
    text = ET.tostring(suites, encoding="unicode", xml_declaration=False)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + redact(text) + "\n").encode("utf-8")


def write_reports(result: RunResult, redact: Redactor, junit_xml: Path | None, json_report: Path | None) -> None:
    if junit_xml is not None:
        junit_xml.parent.mkdir(parents=True, exist_ok=True)
        junit_xml.write_bytes(junit(result, redact))
    if json_report is not None:
        json_report.parent.mkdir(parents=True, exist_ok=True)
        json_report.write_text(json.dumps(as_json(result, redact), indent=2) + "\n", encoding="utf-8")
