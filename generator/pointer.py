"""JSON Pointer (RFC 6901) tokens: the one codec every stage uses to name a place in a spec."""

from __future__ import annotations


def escape(token: str) -> str:
    """A key as a pointer token: `~` first, so an escaped `/` (`~1`) is not escaped again."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """A pointer token back to its key: `~1` first, so `~01` reads as `~1` and not as `/`."""
    return token.replace("~1", "/").replace("~0", "~")


def pointer_join(base: str, *tokens: str | int) -> str:
    return base + "".join("/" + escape(str(t)) for t in tokens)
