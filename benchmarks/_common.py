"""Helpers shared by the benchmarks: interleaved best-of timing, report lines, JSON output.

Each benchmark prints one line per figure as ``name: ours=... peer=... ratio=... unit``
(ratio oriented so that bigger is better) and writes ``NAME.json`` into
:func:`bench_dir` (``scaleweave bench --out DIR``; default ``results/bench`` in the
current directory), atomically (temporary file, then ``os.replace``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["bench_dir", "figure_line", "machine_info", "time_interleaved", "write_json"]

OUT_ENV = "SCALEWEAVE_BENCH_OUT"
"""The environment variable ``scaleweave bench --out DIR`` sets to DIR."""


def bench_dir() -> Path:
    """Where benchmarks write: ``$SCALEWEAVE_BENCH_OUT``, else ``results/bench`` here."""
    return Path(os.environ.get(OUT_ENV) or Path("results") / "bench")


def machine_info() -> dict[str, Any]:
    """Python, NumPy and CPU facts recorded beside every benchmark's numbers."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "cpu_count_usable": usable,
    }


def time_interleaved(setups: Mapping[str, Callable[[], Callable[[], Any]]], repeats: int
                     ) -> dict[str, list[float]]:
    """Wall times (s) of each contender over ``repeats`` rounds, contenders interleaved.

    Parameters
    ----------
    setups : mapping of name to callable
        ``setup()`` prepares fresh input (untimed) and returns the zero-argument
        callable that is timed.
    repeats : int
        Rounds; in each round every contender runs once, in the given order, so a
        slow phase of the machine hits all of them alike. Report the minimum.
    """
    times: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(repeats):
        for name, setup in setups.items():
            run = setup()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def figure_line(name: str, ours: float, peer: float, ratio: float, unit: str) -> str:
    """``name: ours=... peer=... ratio=... unit`` with four significant digits."""
    return f"{name}: ours={ours:.4g} peer={peer:.4g} ratio={ratio:.3f} {unit}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # strict JSON has no NaN/inf
    return value


def write_json(name: str, data: Mapping[str, Any]) -> Path:
    """Write ``NAME.json`` into :func:`bench_dir` atomically; return its path."""
    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".json.tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(_jsonable(data), fh, indent=2, sort_keys=False)
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
