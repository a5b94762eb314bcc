"""The Michaelis-Menten rate law's exact time course.

``dS/dt = -Vmax S / (Km + S)`` integrates to ``S(t) = Km W((S0/Km) exp((S0 - Vmax t)/Km))``
with ``W`` the principal branch of the Lambert W function (Schnell & Mendoza 1997,
J. Theor. Biol. 187, 207).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import lambertw

__all__ = ["substrate_closed_form"]


def substrate_closed_form(t: float, s0: float, km: float, vmax: float) -> float:
    """``S(t) = Km W((S0/Km) exp((S0 - Vmax t)/Km))`` of ``dS/dt = -Vmax S/(Km + S)``
    (Schnell & Mendoza 1997, J. Theor. Biol. 187, 207), any consistent units.

    Examples
    --------
    >>> round(substrate_closed_form(0.0, 10.0, 2.0, 0.1), 12)
    10.0
    """
    arg = (s0 / km) * math.exp((s0 - vmax * t) / km)
    return float(km * np.real(lambertw(arg)))
