"""Find and run the side-by-side benchmarks in the source tree's ``benchmarks/`` folder."""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
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


OUT_ENV = "SCALEWEAVE_BENCH_OUT"
"""Read by ``benchmarks/_common.py``: the folder the benchmarks write into."""


def _writable_folder(out: str | os.PathLike) -> Path:
    """``out`` made absolute, created and proven writable (else :class:`ConfigError`)."""
    path = Path(out).resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write benchmark results to {str(out)!r}: "
                          f"{exc.strerror or exc}; choose another folder with --out") from None
    return path


def run_benchmarks(name: str, out: str | os.PathLike | None = None) -> int:
    """Run benchmark ``name`` (or ``'all'``); each prints its lines and writes JSON.

    Parameters
    ----------
    name : str
        A benchmark from :func:`list_benchmarks`, or ``"all"``.
    out : path, optional
        Folder of the JSON files (and of a peer's build); default ``results/bench``
        in the current directory.

    Raises
    ------
    ConfigError
        An unknown benchmark, or ``out`` cannot be written.
    """
    names = list_benchmarks()
    chosen = names if name == "all" else [name]
    for n in chosen:
        if n not in names:
            raise ConfigError(f"unknown benchmark {n!r}; known: {', '.join(names)}")
    folder = _writable_folder(out) if out is not None else None
    root = str(benchmark_dir().parent)
    if root not in sys.path:  # the benchmarks package sits beside src/, not in the wheel
        sys.path.insert(0, root)
    saved = os.environ.get(OUT_ENV)
    if folder is not None:
        os.environ[OUT_ENV] = str(folder)
    try:
        for n in chosen:
            importlib.import_module(f"benchmarks.{n}").main()
    finally:
        if folder is not None:
            if saved is None:
                os.environ.pop(OUT_ENV, None)
            else:
                os.environ[OUT_ENV] = saved
    return 0
