"""Wall-clock laps of a multi-step job, for the timings results report."""

from __future__ import annotations

import time


class Laps:
    """``lap(step)`` records the seconds since the previous lap under ``step``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(now - self._clock, 3)
        self._clock = now
