"""Establishment of a low-dose infection: the branching process it starts as.

While susceptible cells are not depleted, an infection from a few virions is a
two-type branching process (virion -> infected cell -> virions). A producing cell
releases virions at rate ``p`` and dies at rate ``delta``, so it makes a
Geometric(``delta / (p + delta)``) number of virions; each virion infects a cell
before it is cleared with probability ``f = beta N / (beta N + c)``. One producing
cell's offspring infections have mean ``R0 = p f / delta`` and its line dies out
with probability ``1 / R0`` (the ``d/b`` of a birth-death process, Kendall 1948,
Ann. Math. Stat. 19, 1), so from ``V0`` virions

.. math:: P_{est} = 1 - \\left(1 - f \\left(1 - 1/R_0\\right)\\right)^{V_0}

(zero when ``R0 <= 1``). Rates in 1/s.

That is the probability that the infection never dies out. What a finite simulation
counts is a first passage: the probability that at least ``K`` cells are *ever*
infected (:func:`threshold_probability`), which is larger (near ``R0 = 1`` much
larger: a subcritical infection still reaches ``K`` cells now and then) and, with
susceptible cells depleted (``f`` falls as cells are used up), a little smaller. It
is computed exactly on the embedded jump chain.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

__all__ = ["KENDALL_1948", "THRESHOLD_PASSAGE", "branching_establishment", "infection_r0",
           "threshold_probability"]

#: Where the extinction probability comes from.
KENDALL_1948 = ("multi-type branching process (virion -> infected cell); extinction 1/R0 "
                "from a producing cell as d/b in Kendall (1948), Ann. Math. Stat. 19, 1")
#: Where the first-passage probability comes from.
THRESHOLD_PASSAGE = ("exact first-passage probability of the embedded jump chain (virion "
                     "fates, geometric bursts, susceptible cells depleted) to K infected "
                     "cells; cf. Kendall (1948), Ann. Math. Stat. 19, 1")


def infection_r0(beta_n: float, clearance: float, production: float, death: float
                 ) -> tuple[float, float]:
    """Infection probability of one virion and the basic reproduction number.

    Parameters
    ----------
    beta_n : float
        Infection rate of one virion with all ``N`` cells susceptible, ``beta N`` (1/s).
    clearance, production, death : float
        Virion clearance ``c``, virion production ``p`` of a producing cell and its
        death rate ``delta`` (1/s).

    Returns
    -------
    f : float
        ``beta N / (beta N + c)``: a virion infects before it is cleared.
    r0 : float
        ``p f / delta``: infections caused by one producing cell.

    Examples
    --------
    >>> infection_r0(1.0, 1.0, 6.0, 1.0)
    (0.5, 3.0)
    """
    f = beta_n / (beta_n + clearance)
    return f, production * f / death


def branching_establishment(v0: int, beta_n: float, clearance: float, production: float,
                            death: float) -> float:
    """Establishment probability from ``v0`` virions in the branching limit (no depletion).

    Parameters
    ----------
    v0 : int
        Initial virions.
    beta_n, clearance, production, death : float
        As in :func:`infection_r0` (1/s).

    Returns
    -------
    float
        ``1 - (1 - f (1 - 1/R0))^v0``; 0 for a subcritical infection (``R0 <= 1``).

    Examples
    --------
    f = 1/2 and R0 = 3, so one virion establishes with probability f (1 - 1/R0) = 1/3:

    >>> round(branching_establishment(1, 1.0, 1.0, 6.0, 1.0), 12)
    0.333333333333
    """
    f, r0 = infection_r0(beta_n, clearance, production, death)
    p_cell = max(0.0, 1.0 - 1.0 / r0)
    return 1.0 - (1.0 - f * p_cell) ** int(v0)


def threshold_probability(v0: int, threshold: int, beta_n: float, clearance: float,
                          production: float, death: float, n_cells: int | None = None,
                          *, tol: float = 1e-12) -> float:
    """Probability that at least ``threshold`` cells are ever infected, from ``v0`` virions.

    The event a simulation stopped at ``threshold`` infected cells counts, exactly.
    Whether it happens does not depend on when things happen, only on the order of
    the virions' fates: each fate is an infection with probability
    ``f_k = beta (N - k) / (beta (N - k) + c)`` after ``k`` infections (whichever
    virion it is), and each infected cell, whatever its eclipse, eventually releases
    a Geometric number ``G`` of virions, ``P(G = g) = (1 - r) r^g``,
    ``r = p / (p + delta)``. With ``w`` the virions still to resolve (free, or still
    to be made by living cells) the embedded chain on ``(k, w)`` has the first-passage
    probability ``h``:

    .. math:: h_K(w) = 1, \\quad h_k(0) = 0, \\quad
              h_k(w) = f_k \\, E[h_{k+1}(w - 1 + G)] + (1 - f_k) \\, h_k(w - 1),

    solved from ``k = K - 1`` down (each level two linear recurrences in ``w``).
    Truncated at a largest ``w`` with ``h = 0`` and ``h = 1`` above it, which bracket
    the answer; the truncation doubles until the bracket is below ``tol`` (or stops
    shrinking: rounding, about ``K`` times the machine epsilon). Cost
    ``O(K (v0 + K p / delta))``.

    Parameters
    ----------
    v0 : int
        Initial virions.
    threshold : int
        ``K``: infected cells (ever) that count.
    beta_n, clearance, production, death : float
        As in :func:`infection_r0` (1/s); ``beta_n`` with all ``N`` cells susceptible.
    n_cells : int, optional
        ``N``: cells of the sheet (susceptibles are used up); None: an unlimited
        supply (the branching process).
    tol : float
        Width of the truncation bracket.

    Returns
    -------
    float
        ``P(K cells ever infected)``.

    Examples
    --------
    Reaching one infected cell needs one of the ``v0`` virions to infect:

    >>> round(threshold_probability(3, 1, 1.0, 1.0, 6.0, 1.0), 12)  # 1 - (1/2)^3
    0.875

    A subcritical infection (R0 = 3/4) never survives, yet reaches 30 cells now and then:

    >>> branching_establishment(4, 1.0, 1.0, 1.5, 1.0)
    0.0
    >>> round(threshold_probability(4, 30, 1.0, 1.0, 1.5, 1.0), 4)
    0.0526
    """
    v0, big_k = int(v0), int(threshold)
    if v0 < 0 or big_k < 0:
        raise ValueError(f"v0 = {v0} and threshold = {big_k} must be >= 0")
    if big_k == 0:
        return 1.0
    k = np.arange(big_k, dtype=float)
    left = np.ones(big_k) if n_cells is None else np.clip(1.0 - k / n_cells, 0.0, None)
    f = beta_n * left / (beta_n * left + clearance)
    r = production / (production + death)
    burst = production / death
    w_max = int(v0 + big_k * burst + 12.0 * math.sqrt(big_k + 1.0) * (1.0 + burst) + 50)
    gap = math.inf
    for _ in range(8):
        lower, upper = (_passage(v0, f, r, w_max, tail) for tail in (0.0, 1.0))
        if upper - lower <= tol or upper - lower > 0.5 * gap:  # converged, or roundoff
            break
        gap = upper - lower
        w_max *= 2
    return 0.5 * (lower + upper)


def _passage(v0: int, f: np.ndarray, r: float, w_max: int, tail: float) -> float:
    """``h_0(v0)`` of :func:`threshold_probability`, with ``h_k(w) = tail`` for
    ``w > w_max``."""
    h = np.ones(w_max + 1)  # h_K
    a = np.zeros(w_max + 1)
    for fk in f[::-1]:
        # b(j) = sum_g r^g h(j + g), summed from the top: b(j) = h(j) + r b(j + 1)
        b, _ = lfilter([1.0], [1.0, -r], h[::-1], zi=[r * tail / (1.0 - r)])
        a[1:] = (1.0 - r) * b[::-1][:-1]  # E h_{k+1}(w - 1 + G), w >= 1
        # h_k(w) = fk a(w) + (1 - fk) h_k(w - 1), h_k(0) = 0
        h[0] = 0.0
        h[1:], _ = lfilter([fk], [1.0, fk - 1.0], a[1:], zi=[0.0])
    return float(h[min(v0, w_max)]) if v0 <= w_max else tail
