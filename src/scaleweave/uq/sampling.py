"""Points in the unit hypercube: Monte Carlo and scrambled Sobol' quasi-Monte Carlo.

Distributions turn these points into parameter values through their quantile
functions, so the sampler never needs to know what it samples.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.stats import qmc

from scaleweave.errors import ConfigError

__all__ = ["METHODS", "box_vertices", "unit_samples"]

METHODS = ("qmc", "mc")


def unit_samples(n: int, d: int, *, method: str = "qmc", seed: int | np.random.SeedSequence = 0
                 ) -> np.ndarray:
    """``n`` points in ``[0, 1)^d``.

    Parameters
    ----------
    n : int
        Number of points (a power of two for ``qmc``, which keeps Sobol' balanced).
    d : int
        Dimension.
    method : {"qmc", "mc"}
        Scrambled Sobol' (Owen scrambling, SciPy ``qmc``) or plain Monte Carlo.
    seed : int or SeedSequence
        Seeds the scrambling or the random draws.

    Examples
    --------
    >>> unit_samples(8, 2, seed=1).shape
    (8, 2)
    """
    if method not in METHODS:
        raise ConfigError(f"unknown sampling method {method!r}; choose from {METHODS}")
    if n < 1 or d < 1:
        raise ConfigError(f"need at least one sample and one dimension, got n={n}, d={d}")
    rng = np.random.default_rng(seed)
    if method == "mc":
        return rng.random((n, d))
    m = math.log2(n)
    if m != int(m):
        raise ConfigError(f"scrambled Sobol' needs a power of two samples, got {n}; use "
                          f"{2 ** math.ceil(m)} (or method 'mc')")
    return qmc.Sobol(d, scramble=True, seed=rng).random_base2(int(m))


def box_vertices(d: int) -> np.ndarray:
    """The ``2**d`` corners of the unit hypercube (where monotone responses peak)."""
    return np.array(list(itertools.product((0.0, 1.0), repeat=d)), dtype=float).reshape(-1, d)
