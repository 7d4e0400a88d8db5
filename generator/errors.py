"""The voxspec error family and the Finding value every checker reports.

A Finding carries file, line, column and JSON pointer so the CLI can print each problem once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FINDINGS = 1
    UNUSABLE = 2
    INTERNAL = 3


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    col: int
    pointer: str
    message: str
    rule: str

    def __str__(self) -> str:
        pointer = self.pointer or "/"
        return f"{self.file}:{self.line}:{self.col} {pointer}: {self.message} [{self.rule}]"


class VoxspecError(Exception):
    """Any failure the CLI reports as a message rather than a traceback."""

    exit_code: int = Exit.FINDINGS

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class SpecError(VoxspecError):
    """A spec that cannot be used: missing, unreadable, not YAML."""

    exit_code = Exit.UNUSABLE


class SpecInvalid(VoxspecError):
    """A spec that loads but fails validation or lint."""

    exit_code = Exit.FINDINGS
