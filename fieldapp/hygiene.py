"""Process hygiene (after KeePassXC): no core dumps that could hold keys or case data."""

from __future__ import annotations

import contextlib
import ctypes
import sys

PR_SET_DUMPABLE = 4


def harden_process() -> None:
    # sys.platform tests that mypy reads: each branch is checked for its own system only.
    if sys.platform != "win32":
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource  # noqa: PLC0415 - POSIX only

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
