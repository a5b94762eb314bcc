"""Find and run the side-by-side benchmarks in the source tree's ``benchmarks/`` folder."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from scaleweave.errors import ConfigError

__all__ = ["benchmark_dir", "list_benchmarks", "run_benchmarks"]


def benchmark_dir() -> Path:
    """The ``benchmarks/`` folder: in the current directory or beside ``src/``.

    Raises
    ------
    ConfigError
        If neither exists (benchmarks ship with the source checkout, not the wheel).
    """
    for candidate in (Path.cwd() / "benchmarks",
                      Path(__file__).resolve().parents[2] / "benchmarks"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("no benchmarks/ folder found: run 'scaleweave bench' from a source "
                      "checkout of scaleweave")


def list_benchmarks() -> list[str]:
    """Names of the benchmarks (modules ``benchmarks/NAME.py`` with a ``main``)."""
    return sorted(p.stem for p in benchmark_dir().glob("*.py") if not p.stem.startswith("_"))


def run_benchmarks(name: str) -> int:
    """Run benchmark ``name`` (or ``'all'``); each prints its lines and writes JSON."""
    names = list_benchmarks()
    chosen = names if name == "all" else [name]
    for n in chosen:
        if n not in names:
            raise ConfigError(f"unknown benchmark {n!r}; known: {', '.join(names)}")
    root = str(benchmark_dir().parent)
    if root not in sys.path:  # the benchmarks package sits beside src/, not in the wheel
        sys.path.insert(0, root)
    for n in chosen:
        importlib.import_module(f"benchmarks.{n}").main()
    return 0
