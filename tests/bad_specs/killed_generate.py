"""Run `generate` on a project and SIGKILL the process at one step of its swap: the interrupted-generate test's
stand-in for a crash. Usage: python -m tests.bad_specs.killed_generate ROOT [STEP [FOLDER]].

The kill comes in through generate_all's step callback, so production code reads no test switch.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from generator.pipeline import generate_all


def main(argv: list[str]) -> int:
    root = Path(argv[0])
    at = (argv[1], argv[2] if len(argv) > 2 else "") if len(argv) > 1 else None

    def on_step(step: str, folder: str) -> None:
        if (step, folder) == at:
            os.kill(os.getpid(), signal.SIGKILL)

    return generate_all(root, sorted((root / "specs").glob("*/openapi.yaml")), on_step=on_step)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
