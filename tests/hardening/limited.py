"""Run ``python -m alpr_audit …`` under resource limits set by the child itself.

``subprocess``'s ``preexec_fn`` runs Python code between fork and exec, which is unsafe when
the parent has threads (DuckDB's, the test's worker pool): the child can crash or hang before
it even starts. Instead the child interpreter sets its own limits first, then runs the CLI.
"""

from __future__ import annotations

import sys

_BOOT = ("import resource, runpy, sys\n"
         "for name in sys.argv.pop(1).split(','):\n"
         "    if name:\n"
         "        kind, n = name.split('=')\n"
         "        resource.setrlimit(getattr(resource, kind), (int(n), int(n)))\n"
         "sys.argv[0] = 'alpr-audit'\n"
         "runpy.run_module('alpr_audit', run_name='__main__', alter_sys=True)\n")


def cli_command(*args: str, address_space: int | None = None, file_size: int | None = None,
                no_core: bool = True) -> list[str]:
    """The argv of an ``alpr-audit`` run with the given limits (bytes)."""
    limits = []
    if address_space is not None:
        limits.append(f"RLIMIT_AS={address_space}")
    if file_size is not None:
        limits.append(f"RLIMIT_FSIZE={file_size}")
    if no_core:
        limits.append("RLIMIT_CORE=0")
    return [sys.executable, "-c", _BOOT, ",".join(limits), *args]
