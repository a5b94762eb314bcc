"""Ensemble sizes checked before a propagation runs, in the caller's numbers.

Scrambled Sobol' points come in powers of two (per independent scrambling), plain
Monte Carlo needs two samples for an error bar; :func:`check_sizes` says so naming
the size as the caller knows it (``--samples = 4000: ... use 4096``), and
:func:`design_rows` counts the model evaluations a design asks for (for a memory
estimate).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from scaleweave.errors import ConfigError

if TYPE_CHECKING:
    from scaleweave.core.distributions import Uncertain

__all__ = ["check_sizes", "design_rows"]


def _nearest_power_of_two(x: float) -> int:
    lo = 2 ** max(0, math.floor(math.log2(max(x, 1.0))))
    return lo if x - lo <= 2 * lo - x else 2 * lo


def check_sizes(uncertain: Mapping[str, Uncertain], *, n: int = 1024, method: str = "qmc",
                replicates: int = 8, n_outer: int = 32, n_inner: int = 1024,
                labels: Mapping[str, str] | None = None) -> int:
    """The rows :func:`~scaleweave.uq.propagate.propagate` evaluates for these sizes,
    checked before it runs.

    Parameters
    ----------
    uncertain, n, method, replicates, n_outer, n_inner
        As for :func:`~scaleweave.uq.propagate.propagate`.
    labels : mapping, optional
        What to call ``n``, ``n_outer`` and ``n_inner`` in messages (the user's
        names, e.g. ``{"n": "--samples"}``).

    Raises
    ------
    ConfigError
        A size the design cannot use, in the caller's numbers: scrambled Sobol'
        points come in powers of two (the suggestion is the nearest one), plain
        Monte Carlo needs two samples for an error bar.
    """
    names = {"n": "n", "n_outer": "n_outer", "n_inner": "n_inner", **(labels or {})}

    def qmc_size(key: str, value: int, split: int = 1) -> None:
        per = value / split
        if value < split or per != int(per) or int(per) & (int(per) - 1):
            use = split * _nearest_power_of_two(per)
            how = f", in {split} independent scramblings" if split > 1 else ""
            raise ConfigError(f"{names[key]} = {value}: scrambled Sobol' points come in "
                              f"powers of two{how}; use {use} (or method 'mc')")

    from scaleweave.uq.propagate import plan

    mode = plan(uncertain)[2]
    if mode == "distribution":
        if method == "qmc":
            qmc_size("n", n, replicates)
        elif n < 2:
            raise ConfigError(f"{names['n']} = {n}: an error bar needs at least 2 samples")
    elif mode == "interval":
        qmc_size("n", n)
    else:
        qmc_size("n_outer", n_outer)
        if method == "qmc":
            qmc_size("n_inner", n_inner)
    return design_rows(uncertain, n=n, n_outer=n_outer, n_inner=n_inner)


def design_rows(uncertain: Mapping[str, Uncertain], *, n: int = 1024, n_outer: int = 32,
                n_inner: int = 1024) -> int:
    """How many rows (model evaluations) :func:`~scaleweave.uq.propagate.propagate` asks
    for these sizes."""
    from scaleweave.uq.propagate import plan

    outer, _, mode = plan(uncertain)
    n_vertices = 2 ** len(outer) if len(outer) <= 6 and all(
        uncertain[k].is_interval for k in outer) else 0
    if mode == "distribution":
        return n
    if mode == "interval":
        return n + n_vertices
    return (n_outer + n_vertices) * n_inner
