"""Exact effective conductivity of a square array of cylinders: Rayleigh's multipole method.

Rayleigh (1892, Phil. Mag. 34:481) expanded the potential around one cylinder of a
square array in odd cylindrical multipoles and used the lattice sums of all the
others; Perrins, McKenzie & McPhedran (1979, Proc. R. Soc. A 369:207) solved the
resulting infinite system to high order. With cylinder radius ``a`` (unit cell of
side 1, ``f = pi a^2``), conductivity ratio ``c`` and ``beta = (c - 1)/(c + 1)``,
the multipole coefficients ``B_l`` (``l`` odd) solve

    B_l / (-beta a^(2l)) = delta_l1 - sum_m binom(l + m - 1, l) S_(l+m) B_m,

with the lattice sums ``S_n = sum_(p != 0) z_p^(-n)`` over the square lattice
(``S_2 = pi`` under Rayleigh's shape convention, ``S_(4k+2) = 0`` for ``k >= 1``,
``S_(4k)`` from the Laurent coefficients of Weierstrass' function with ``g3 = 0``),
and ``sigma*/sigma_m = 1 - 2 pi B_1``. Truncated after the first two orders this is
Rayleigh's formula ``1 + 2f/(T - f - 0.305827 f^4 T/(T^2 - 1.402958 f^8) - ...)``;
solved to high order it gives Perrins et al.'s values, the reference for FFT
homogenization of the square array.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import binom, gamma

from scaleweave.errors import ConfigError

__all__ = ["square_array_conductivity", "square_lattice_sums"]


def square_lattice_sums(n_max: int) -> np.ndarray:
    """Lattice sums ``S_n`` of the unit square lattice for ``n`` from 0 to ``n_max``.

    ``S_4 = Gamma(1/4)^8 / (960 pi^2) = 3.1512120...``; higher even sums from the
    recursion of the Laurent coefficients ``c_k = (2k - 1) S_2k`` of Weierstrass'
    elliptic function (``g2 = 60 S_4``, ``g3 = 0``; Abramowitz & Stegun 18.5.3);
    ``S_2 = pi`` (Rayleigh's convention), odd sums vanish.
    """
    s = np.zeros(n_max + 1)
    if n_max >= 2:
        s[2] = math.pi
    k_max = n_max // 2
    c = np.zeros(max(k_max + 1, 4))
    c[2] = 3.0 * gamma(0.25) ** 8 / (960.0 * math.pi**2)
    for k in range(4, k_max + 1):
        c[k] = 3.0 / ((2 * k + 1) * (k - 3)) * sum(c[m] * c[k - m] for m in range(2, k - 1))
    for k in range(2, k_max + 1):
        s[2 * k] = c[k] / (2 * k - 1)
    return s


def square_array_conductivity(fraction: float, contrast: float, order: int = 41) -> float:
    """Effective conductivity (relative to the matrix) of a square array of cylinders.

    Parameters
    ----------
    fraction : float
        Area fraction of the cylinders, below close packing ``pi/4``.
    contrast : float
        Cylinder conductivity over matrix conductivity (> 0; ``inf`` allowed).
    order : int
        Highest multipole order kept (odd); 41 converges to ~1e-10 for ``f <= 0.7``.

    Returns
    -------
    float
        ``sigma* / sigma_matrix`` (isotropic in the plane by the array's symmetry).
    """
    if not 0.0 <= fraction < math.pi / 4:
        raise ConfigError(f"square array: area fraction must be in [0, pi/4) (touching "
                          f"cylinders at pi/4), got {fraction}")
    if not contrast > 0:
        raise ConfigError(f"square array: contrast must be > 0, got {contrast}")
    beta = 1.0 if math.isinf(contrast) else (contrast - 1.0) / (contrast + 1.0)
    a = math.sqrt(fraction / math.pi)
    ls = np.arange(1, order + 1, 2)
    sums = square_lattice_sums(2 * order)
    # Scaled unknowns b_l = B_l / a^l keep the system well conditioned:
    # b_l - beta sum_m binom(l+m-1, l) S_(l+m) a^(l+m) b_m = -beta a delta_l1.
    lm = ls[:, None] + ls[None, :]
    matrix = np.eye(ls.size) - beta * binom(lm - 1, ls[:, None]) * sums[lm] * a ** lm
    rhs = np.zeros(ls.size)
    rhs[0] = -beta * a
    b = np.linalg.solve(matrix, rhs)
    return 1.0 - 2.0 * math.pi * b[0] * a
