"""Counts, failures and time left of a screening run, as one line of text.

The clock is an argument (``time.monotonic`` by default), so a test can drive it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


def _clock() -> float:
    return time.monotonic()


@dataclass(slots=True)
class Progress:
    """``total`` studies; ``skipped`` were already done (``--resume``)."""

    total: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    clock: Callable[[], float] = _clock
    started_s: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.started_s < 0:
            self.started_s = self.clock()

    def add(self, *, failed: bool) -> None:
        self.done += 1
        self.failed += failed

    @property
    def remaining(self) -> int:
        return self.total - self.skipped - self.done

    def seconds_left(self) -> float | None:
        """At the rate so far; None before the first study is done."""
        if self.done == 0:
            return None
        elapsed_s = self.clock() - self.started_s
        return elapsed_s / self.done * self.remaining

    def line(self) -> str:
        """E.g. ``screened 10/50 (1 failed, 5 already done), about 0:01:20 left``.

        >>> p = Progress(total=50, skipped=5, clock=iter([0.0, 20.0]).__next__)
        >>> for _ in range(10):
        ...     p.add(failed=False)
        >>> p.line()
        'screened 15/50 (0 failed, 5 already done), about 0:01:10 left'
        """
        left = self.seconds_left()
        eta = "time left unknown" if left is None else f"about {_hms(left)} left"
        already = f", {self.skipped} already done" if self.skipped else ""
        screened = self.skipped + self.done
        return f"screened {screened}/{self.total} ({self.failed} failed{already}), {eta}"


def _hms(seconds: float) -> str:
    """
    >>> _hms(3725.4)
    '1:02:05'
    """
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
