"""The steady field of a point source with diffusion and first-order decay in 2D.

``D lap(c) - k c + q delta(x) = 0`` on the plane has the solution

.. math:: c(r) = \\frac{q}{2 \\pi D} K_0(r / \\lambda), \\qquad \\lambda = \\sqrt{D / k},

with ``K0`` the modified Bessel function of the second kind (Carslaw & Jaeger 1959,
Conduction of Heat in Solids, 2nd ed., Oxford). For ``q`` in molecules/s, ``c`` is
an areal density (1/m^2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import k0

__all__ = ["CARSLAW_JAEGER_1959", "point_source_2d"]

#: Where the solution comes from.
CARSLAW_JAEGER_1959 = ("point source with decay in 2D (modified Bessel K0); "
                       "Carslaw & Jaeger (1959)")


def point_source_2d(r: Any, q: float, diffusivity: float, decay: float) -> np.ndarray:
    """``q K0(r / lambda) / (2 pi D)`` at distances ``r`` (m) from the source.

    Parameters
    ----------
    r : float or ndarray
        Distance from the source (m), > 0 (the field diverges at the source).
    q : float
        Source strength (amount/s).
    diffusivity : float
        ``D`` (m^2/s).
    decay : float
        ``k`` (1/s), > 0.

    Returns
    -------
    ndarray
        The steady field (amount/m^2).

    Examples
    --------
    >>> lam = 2.0  # D = 4, k = 1
    >>> c = point_source_2d(lam, 1.0, 4.0, 1.0)
    >>> round(float(c * 8 * np.pi), 6)  # K0(1)
    0.421024
    """
    lam = math.sqrt(diffusivity / decay)
    return q * k0(np.asarray(r, dtype=float) / lam) / (2 * np.pi * diffusivity)
