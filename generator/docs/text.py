"""Prose and value formatting for the docs pages: inline markup, JSON, slugs, rate limits."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from generator import ir
from generator.docs.views import Behaviour

MAX_DEPTH = 6
CODE_SPAN = re.compile(r"`([^`]+)`")
STRONG = re.compile(r"\*\*([^*]+)\*\*")
WINDOWS = ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))


def inline(text: str) -> Markup:
    """One line of spec prose as HTML: whitespace collapsed, `code` and **strong** spans kept."""
    escaped = str(escape(" ".join(str(text).split())))
    return Markup(STRONG.sub(r"<strong>\1</strong>", CODE_SPAN.sub(r"<code>\1</code>", escaped)))


def prose(text: str) -> Markup:
    """Spec descriptions as paragraphs and "- " lists.

    Hand-written because the descriptions use only these two constructs and no Markdown library is
    among voxspec's declared dependencies; everything is escaped before any tag is added.
    """
    blocks: list[str] = []
    for para in re.split(r"\n\s*\n", str(text).strip()):
        lead: list[str] = []
        items: list[str] = []
        for line in para.splitlines():
            stripped = line.strip()
            if stripped.startswith(("- ", "* ")):
                items.append(stripped[2:])
            elif items:
                items[-1] += " " + stripped
            elif stripped:
                lead.append(stripped)
        if lead:
            blocks.append(f"<p>{inline(' '.join(lead))}</p>")
        if items:
            blocks.append("<ul>" + "".join(f"<li>{inline(item)}</li>" for item in items) + "</ul>")
    return Markup("".join(blocks))


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def pretty(value: Any, content_type: str | None) -> str:
    if isinstance(value, str) and "json" not in (content_type or ""):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]+", "-", text).strip("-").lower() or "x"


def rate_limit(limit: ir.RateLimit | None) -> str | None:
    if limit is None:
        return None
    for seconds, unit in WINDOWS:
        if limit.window_seconds % seconds == 0:
            count = limit.window_seconds // seconds
            window = unit if count == 1 else f"{count} {unit}s"
            return f"{limit.requests} requests per {window} ({limit.window_seconds} s)"
    return f"{limit.requests} requests per {limit.window_seconds} s"


def _compact(value: Any) -> str:
    """An extension value on one line: `key: value · key: value` for flat mappings, JSON otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
        return " · ".join(f"{k}: {v if isinstance(v, str) else to_json(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def behaviours(rows: Sequence[ir.ExtensionRow]) -> tuple[Behaviour, ...]:
    """The behaviours table: each voxspec extension the IR lists for it, with its value on one line."""
    return tuple(Behaviour(row.name, _compact(row.value)) for row in rows)
