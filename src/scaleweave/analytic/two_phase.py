"""Exact effective properties of special two-phase microstructures.

- **Laminate** (layers normal to ``x``). Conductivity: the harmonic mean across the
  layers and the arithmetic mean along them (Wiener 1912, Abh. Sächs. Ges. Wiss. 32,
  509; Milton 2002, The Theory of Composites, sec. 9.2). Elasticity of isotropic
  layers: the traction across the layers and the strain along them are uniform, which
  fixes every entry (Postma 1955, Geophysics 20, 780; Backus 1962, J. Geophys. Res.
  67, 4427); with ``M = lambda + 2 mu`` and ``<.>`` the volume mean,
  ``C_11 = <1/M>^-1``, ``C_12 = <lambda/M> C_11``,
  ``C_22 = <M - lambda^2/M> + <lambda/M>^2 C_11``,
  ``C_23 = <lambda - lambda^2/M> + <lambda/M>^2 C_11``, shear across ``<1/mu>^-1``
  and along ``<mu>``.
- **Checkerboard** (2D, equal fractions): ``sigma* = sqrt(sigma_1 sigma_2)``, Dykhne's
  (1970, Sov. Phys. JETP 32, 63) duality result (Keller 1964 for its interchange
  form). It has no 3D counterpart.

Fractions are area (2D) or volume (3D) fractions summing to 1; moduli and
conductivities come out in the unit they went in. 2D elasticity is plane strain
with the 3D Lamé constants; stiffnesses are Mandel matrices (shear entries carry the
factor 2 of ``2 mu``), 2D ``[11, 22, 12]``, 3D ``[11, 22, 33, 23, 13, 12]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from scaleweave.errors import ConfigError

__all__ = ["checkerboard_conductivity", "laminate_conductivity", "laminate_stiffness"]


def _phases(fractions: Sequence[float], *values: Sequence[float]) -> tuple[np.ndarray, ...]:
    f = np.asarray(fractions, dtype=float).ravel()
    if np.any(f < 0) or abs(f.sum() - 1.0) > 1e-9:
        raise ConfigError(f"fractions must be non-negative and sum to 1, got {f.tolist()}")
    out = [f]
    for v in values:
        a = np.asarray(v, dtype=float).ravel()
        if a.size != f.size or not np.all(np.isfinite(a)) or np.any(a <= 0):
            raise ConfigError(f"need one positive, finite value per phase, got {a.tolist()}")
        out.append(a)
    return tuple(out)


def laminate_conductivity(fractions: Sequence[float], conductivity: Sequence[float]
                          ) -> tuple[float, float]:
    """Conductivity of a laminate across and along its layers (Wiener 1912).

    Returns
    -------
    across, along : float
        The harmonic and the arithmetic mean.

    Examples
    --------
    >>> laminate_conductivity([0.5, 0.5], [1.0, 4.0])
    (1.6, 2.5)
    """
    f, k = _phases(fractions, conductivity)
    return float(1.0 / (f @ (1.0 / k))), float(f @ k)


def laminate_stiffness(fractions: Sequence[float], bulk: Sequence[float],
                       shear: Sequence[float], dim: int = 2) -> np.ndarray:
    """Exact stiffness (Mandel) of a laminate of isotropic layers normal to ``x``.

    Parameters
    ----------
    fractions : sequence of float
        Thickness fraction of each layer phase.
    bulk, shear : sequence of float
        3D bulk and shear moduli of each phase (2D: plane strain with these).
    dim : {2, 3}

    Returns
    -------
    ndarray
        ``(3, 3)`` in 2D, ``(6, 6)`` in 3D.

    Examples
    --------
    Equal phases give back the phase (``C_11 = K + 4G/3``):

    >>> c = laminate_stiffness([0.3, 0.7], [2.0, 2.0], [1.0, 1.0])
    >>> np.round(c, 6).tolist()
    [[3.333333, 1.333333, 0.0], [1.333333, 3.333333, 0.0], [0.0, 0.0, 2.0]]
    """
    f, k, g = _phases(fractions, bulk, shear)
    if dim not in (2, 3):
        raise ConfigError(f"dim must be 2 or 3, got {dim}")
    lam = k - 2.0 * g / 3.0
    m = lam + 2.0 * g
    c11 = 1.0 / (f @ (1.0 / m))
    r = f @ (lam / m)
    c12 = r * c11
    c22 = f @ (m - lam**2 / m) + r**2 * c11
    across, along = 2.0 / (f @ (1.0 / g)), 2.0 * (f @ g)  # Mandel shear entries
    if dim == 2:
        return np.array([[c11, c12, 0.0], [c12, c22, 0.0], [0.0, 0.0, across]])
    c23 = f @ (lam - lam**2 / m) + r**2 * c11
    out = np.zeros((6, 6))
    out[:3, :3] = [[c11, c12, c12], [c12, c22, c23], [c12, c23, c22]]
    out[3, 3], out[4, 4], out[5, 5] = along, across, across
    return out


def checkerboard_conductivity(conductivity_1: float, conductivity_2: float) -> float:
    """Dykhne's (1970) ``sqrt(sigma_1 sigma_2)``: the 2D checkerboard, any contrast.

    Examples
    --------
    >>> checkerboard_conductivity(1.0, 4.0)
    2.0
    """
    if not (conductivity_1 > 0 and conductivity_2 > 0
            and math.isfinite(conductivity_1) and math.isfinite(conductivity_2)):
        raise ConfigError(f"conductivities must be positive and finite, got "
                          f"{conductivity_1}, {conductivity_2}")
    return math.sqrt(conductivity_1 * conductivity_2)
