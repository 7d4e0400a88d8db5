"""Python names for API names: the one rule build uses for arguments and the docs for examples."""

from __future__ import annotations

import keyword
import re


def py_name(name: str) -> str:
    """A Python identifier for an API name: snake_case, keyword-safe."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "value"
    if text[0].isdigit():
        text = "_" + text
    return text + "_" if keyword.iskeyword(text) or text in {"self", "cls"} else text
