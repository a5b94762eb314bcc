"""Exact moments and Sobol' indices of the Ishigami function.

``y = sin x1 (1 + b x3^4) + a sin^2 x2`` with ``x_i ~ U(-pi, pi)`` independent
(Ishigami & Homma 1990); the variance decomposition is given by Sobol' (2001) and
Saltelli et al. (2010).
"""

from __future__ import annotations

import math

__all__ = ["ishigami_exact"]


def ishigami_exact(a: float, b: float) -> dict[str, float]:
    """Closed-form mean, variance and Sobol' indices for ``x_i ~ U(-pi, pi)``.

    Keys: ``mean``, ``var``, ``S1_x*`` and ``ST_x*`` per input, and the closed
    indices of the input groups ``atom`` = (x1, x3) and ``meso`` = (x2).

    Examples
    --------
    >>> ex = ishigami_exact(7.0, 0.1)
    >>> round(ex["S1_x1"], 4), round(ex["ST_x3"], 4), round(ex["var"], 5)
    (0.3139, 0.2437, 13.84459)
    """
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a * a / 8
    v13 = 8 * b * b * pi8 / 225
    var = v1 + v2 + v13
    return {"mean": a / 2, "var": var, "S1_x1": v1 / var, "S1_x2": v2 / var, "S1_x3": 0.0,
            "ST_x1": (v1 + v13) / var, "ST_x2": v2 / var, "ST_x3": v13 / var,
            "S1_atom": (v1 + v13) / var, "ST_atom": (v1 + v13) / var,
            "S1_meso": v2 / var, "ST_meso": v2 / var}
