"""The small shapes a generated client is configured with: envelopes, pages and the error body's fields.

Copied verbatim into each generated package as `_shapes.py`; imports nothing outside the standard library. The
IR (generator/ir.py) imports these classes too, so an envelope, a page or an error shape is declared once: build
fills them, the client template writes them out, and the client reads them back at run time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Envelope:
    """How an operation's answer is wrapped (`x-voxspec-envelope`): `success` (false = failed) or `code`
    (non-2xx = failed), `message`, and `data`, the field the client returns; `data` is None when the answer
    has fields beside the envelope."""

    success: str | None  # boolean field: false means the call failed
    code: str | None  # integer field: outside 2xx means the call failed
    message: str | None
    data: str | None


@dataclass(frozen=True)
class Paging:
    """How a list operation pages (`x-voxspec-pagination`): the parameters that move through the pages and the
    field of the answer holding one page's items."""

    style: str  # "offset" | "page"
    limit: str | None
    offset: str | None
    page: str | None
    size: str | None
    items: str | None  # the body field holding the list; None when the body is the list


@dataclass(frozen=True)
class ErrorShape:
    """The fields of the vendor's error body that carry its own code and message."""

    code_field: str | None
    message_field: str | None
