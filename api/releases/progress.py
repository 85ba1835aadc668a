"""Progress of a long publish: a live line on a terminal, plain log lines otherwise.

No Flask here. A `Reporter` is the `progress(stage, done, total)` callback that the loader
("read", "parse") and the index build (its own stages, documents indexed) call. On a terminal it
redraws one line (files parsed, documents indexed, time left in the current stage) at most ten
times a second; elsewhere it writes a plain line when a stage starts, every `every` seconds, and when it ends.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Reporter:
    def __init__(self, stream: TextIO | None = None, tty: bool | None = None, every: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every
        self.stages: dict[str, tuple[int, int, float]] = {}  # stage -> (done, total, started)
        self._last = 0.0
        self._drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        first = stage not in self.stages
        started = now if first else self.stages[stage][2]
        self.stages[stage] = (done, total, started)
        finished = done >= total
        if self.tty:
            if first or finished or now - self._last >= 0.1:
                self._draw(stage, now)
        elif first or finished or now - self._last >= self.every:
            self._last = now
            self.stream.write(f"publish: {stage} {done}/{total}{self._left(stage, now)}\n")
            self.stream.flush()

    def _draw(self, stage: str, now: float) -> None:
        self._last = now
        parts = [f"{name} {done:,}/{total:,}" for name, (done, total, _) in self.stages.items()]
        line = " · ".join(parts) + self._left(stage, now)
        self.stream.write("\r" + line[:160].ljust(80))
        self.stream.flush()
        self._drawn = True

    def _left(self, stage: str, now: float) -> str:
        done, total, started = self.stages[stage]
        if done <= 0 or done >= total:
            return ""
        return f" · about {(now - started) / done * (total - done):.0f} s left ({stage})"

    def close(self) -> None:
        """End the live line (the next output starts on a line of its own)."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
