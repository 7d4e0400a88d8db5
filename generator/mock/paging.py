"""List paging as the spec declares it (`x-voxspec-pagination`, the runtime data's `pagination`): the window of records
a query asks for, and the paging fields of the answer (page number, size, totals, prev/next links) rewritten to tell
the truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .shapes import MISSING, letters

COUNT_FIELDS = ("total", "totalcount", "totalelements", "totalitems", "totalrecords", "count")
PAGES_FIELDS = ("totalpages", "pagecount", "pages")
LINK_STEPS = {"prev": -1, "previous": -1, "next": 1}


@dataclass(frozen=True)
class Window:
    """The records one list answer holds, and where they sit among all of them."""

    items: list[Any]
    total: int
    style: str | None = None
    page: int = 1  # the page number as the client counts it (style page)
    first: int = 1  # the number of the first page
    size: int = 0  # items a page (style page) or the limit (style offset)
    offset: int = 0
    names: tuple[str, str] = ("", "")  # (page or offset parameter, size or limit parameter)


def page(op: dict[str, Any], query: dict[str, Any], records: list[Any]) -> Window:
    """The window of `records` the query asks for; all of them when the operation declares no paging."""
    paging = op.get("pagination") or {}
    style = paging.get("style")
    total = len(records)
    if style == "offset":
        names = (str(paging.get("offset")), str(paging.get("limit")))
        offset = max(_int(query.get(names[0]), 0), 0)
        limit = max(_int(query.get(names[1]), total), 0)
        return Window(records[offset : offset + limit], total, "offset", size=limit, offset=offset, names=names)
    if style == "page":
        names = (str(paging.get("page")), str(paging.get("size")))
        first = 1
        for p in op["parameters"]:
            if p["name"] == names[0]:
                first = _int((p["schema"] or {}).get("minimum"), 1)
        size = max(_int(query.get(names[1]), total or 1), 1)
        number = max(_int(query.get(names[0]), first), first)
        start = (number - first) * size
        return Window(records[start : start + size], total, "page", number, first, size, start, names)
    return Window(records, total)


def paging_fields(body: Any, window: Window, link: Any) -> None:
    """Rewrite the paging fields an answer carries (a `pagination` object, totals beside the items) so they
    describe `window` and not the spec's example. `link(values)` is the list's URL with other query values."""
    if not isinstance(body, dict):
        return
    for name, value in list(body.items()):
        key = letters(name)
        if isinstance(value, dict):
            paging_fields(value, window, link)
        elif isinstance(value, bool) or (value is not None and not isinstance(value, int | str)):
            continue
        elif key in COUNT_FIELDS and isinstance(value, int):
            body[name] = window.total
        elif window.style and key == letters(window.names[0]) and isinstance(value, int):
            body[name] = window.page if window.style == "page" else window.offset
        elif window.style and key == letters(window.names[1]) and isinstance(value, int):
            body[name] = window.size
        elif key in PAGES_FIELDS and isinstance(value, int) and window.style == "page":
            body[name] = math.ceil(window.total / window.size) if window.size else 0
        elif key in LINK_STEPS and isinstance(value, str) and window.style:
            target = _step(window, LINK_STEPS[key])
            if target is None:
                del body[name]
            else:
                body[name] = link(target)


def _step(window: Window, step: int) -> dict[str, int] | None:
    """The query values of the page `step` pages on from this one; None past either end."""
    if window.style == "page":
        number = window.page + step
        last = window.first + max(math.ceil(window.total / window.size) - 1, 0) if window.size else window.first
        if number < window.first or number > last:
            return None
        return {window.names[0]: number, window.names[1]: window.size}
    size = window.size or 1
    offset = window.offset + step * size
    if offset < 0 and window.offset > 0:
        offset = 0
    if offset < 0 or offset >= window.total:
        return None
    return {window.names[0]: offset, window.names[1]: size}


def query_string(values: dict[str, Any]) -> str:
    return urlencode([(k, v) for k, v in values.items() if not isinstance(v, dict | list)])


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or value is None or value is MISSING:
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isascii() and value.lstrip("-").isdigit():
        return int(value)
    return default
