"""The two Rich consoles: results on stdout, messages and progress bars on stderr.

Kept in core so that library layers (the ingest progress bar) and the command line share one
stderr console without the library importing the command line.
"""

from __future__ import annotations

from rich.console import Console


def make_console(stderr: bool) -> Console:
    """A console that keeps wide tables wide when piped: logs and files are read by people."""
    probe = Console(stderr=stderr)
    return Console(stderr=stderr, width=None if probe.is_terminal else 160)


out = make_console(stderr=False)
err = make_console(stderr=True)
