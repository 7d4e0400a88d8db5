"""The `voxspec diff` command: read both sides, compare, print in the chosen format, exit by --fail-on.

Exit status: 0, or 1 when a change at or above --fail-on was found; 2 for a side that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.diff.model import Level
from generator.errors import Exit

FAIL_ON = {"breaking": Level.BREAKING.rank, "server-breaking": Level.SERVER.rank, "any": Level.COMPATIBLE.rank}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", help="spec file, vendor name, or vendor@REV (e.g. telphin@HEAD~3)")
    p.add_argument("new", help="spec file, vendor name, or vendor@REV")
    p.add_argument(
        "--format", choices=["json", "markdown", "text"], default="text", help="output format (default: text)"
    )
    p.add_argument(
        "--fail-on",
        choices=sorted(FAIL_ON),
        help="exit 1 when a change of this level or worse is found (server-breaking includes breaking)",
    )
    p.add_argument(
        "--ignore-servers",
        action="store_true",
        help="match paths as written, without the base path of each side's first server URL",
    )
    p.add_argument("--only", choices=[level.value for level in Level], help="print only changes of this level")


def run(root: Path, args: argparse.Namespace) -> int:
    from generator.diff.operations import diff_documents
    from generator.diff.report import FORMATS
    from generator.diff.sources import resolve

    old = resolve(root, args.old)
    new = resolve(root, args.new)
    result = diff_documents(old, new, use_servers=not args.ignore_servers)
    shown = result
    if args.only:
        from dataclasses import replace

        shown = replace(result, changes=tuple(c for c in result.changes if c.level.value == args.only))
    sys.stdout.write(FORMATS[args.format](shown))
    if args.fail_on and any(c.level.rank >= FAIL_ON[args.fail_on] for c in result.changes):
        return Exit.FINDINGS
    return Exit.OK
