"""Load benchmark modules in tests: ``benchmarks/`` sits beside ``src/``, not in the package."""

import importlib
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def load_benchmark():
    """``load_benchmark("kmc")`` imports ``benchmarks.kmc`` from the checkout."""
    added = ROOT not in sys.path
    if added:
        sys.path.insert(0, ROOT)
    try:
        yield lambda name: importlib.import_module(f"benchmarks.{name}")
    finally:
        if added:
            sys.path.remove(ROOT)
