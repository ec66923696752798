"""Every per-file check is near-linear: each hostile pattern at 1x, 10x and 100x its size (benchmarks/hostile.py prints the figures)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import hostile

BASE = 300


@pytest.mark.parametrize("name", list(hostile.PATTERNS))
def test_validate_time_grows_near_linearly(name):
    small, middle, large = (hostile.cpu_seconds(name, BASE * factor) for factor in (1, 10, 100))
    # Linear growth gives about 10x from 10x to 100x the size; a quadratic check gives about 100x. The floor keeps
    # start-up noise from counting as growth, and the bound leaves room for a shared, busy machine.
    assert large <= 30 * max(middle, 0.02), f"{name}: {small:.3f} s, {middle:.3f} s, {large:.3f} s at 1x, 10x, 100x"
