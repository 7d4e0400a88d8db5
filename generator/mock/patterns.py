"""JSON Schema `pattern`s read as the ECMA-262 regular expressions the specification says they are, in the
reading of jsonschema-rs, which schemathesis and the proxy check values with.

jsonschema hands a pattern to Python's `re`, whose reading differs where it matters to a mock: `\\d`, `\\w` and
`\\b` span all of Unicode (ECMA: ASCII), `\\s` counts the separators U+001C-U+001F as space (ECMA does not, and
has U+FEFF), and `$` matches before a final newline (ECMA: only at the end). A client or a fuzzer that reads the
spec as written would see the mock refuse values the schema allows, or take values it refuses. The pattern is
translated into a Python pattern with the ECMA meaning and compiled with re.ASCII. `.` keeps the reading
jsonschema-rs gives it, anything but a newline (strict ECMA also leaves out a carriage return and U+2028/U+2029):
a value schemathesis draws for `.` must not be refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

# ECMA-262 WhiteSpace and LineTerminator: what `\s` means there.
SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def ecma_to_python(pattern: str) -> str:
    """pattern rewritten so that Python's `re`, with re.ASCII, reads it as ECMA-262 does."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if escaped == "s":
                out.append(SPACE if in_class else f"[{SPACE}]")
            elif escaped == "S" and not in_class:
                out.append(f"[^{SPACE}]")
            else:  # \S inside a class keeps Python's ASCII reading: no class can hold the complement of a set
                out.append(char + escaped)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "$":
            out.append(r"\Z")
        else:
            out.append(char)
        i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """The ECMA reading of pattern (Python's own when the translation does not compile)."""
    try:
        return re.compile(ecma_to_python(pattern), re.ASCII)
    except re.error:
        return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# Draft 2020-12 with `pattern` read as ECMA-262; every other keyword is the library's own.
EcmaValidator: Any = validators.extend(Draft202012Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]
