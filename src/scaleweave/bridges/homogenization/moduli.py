"""Moduli of an anisotropic stiffness that the Voigt and Reuss tensors bound.

The Voigt and Reuss tensors bound an effective stiffness in the Loewner order,
``C_R <= C* <= C_V`` (Hill 1952, Proc. Phys. Soc. A 65, 349:
:func:`~scaleweave.bridges.homogenization.bounds.voigt_reuss_stiffness`). So does every
modulus that is monotone in that order, and only those are bounds:

- a **strain modulus** ``n^T C n / n^T n``, the stiffness felt under a prescribed
  strain mode ``n`` (a diagonal entry ``C_ii`` is the one of a basis mode);
- a **stress modulus** ``n^T n / n^T S n`` (``S = C^-1``), the stiffness felt under
  a prescribed stress mode: the directional Young's modulus ``1 / (N^T S N)`` with
  ``N`` the Mandel vector of ``d (x) d`` (:func:`young_modulus`), and the bulk modulus
  ``1 / (I^T S I)`` (:func:`bulk_modulus`);
- sums of strain moduli, such as the isotropic projection (:func:`isotropic_moduli`).

For any of them ``modulus(C_R) <= modulus(C*) <= modulus(C_V)``
(:func:`voigt_reuss_range`). An off-diagonal entry ``C_ij`` is not monotone (it is a
difference of strain moduli), so the Voigt and Reuss values of an entry bound nothing:
the exact laminate's ``C_12`` lies outside them for some phases.

Stiffnesses are in Mandel notation (:mod:`scaleweave.materials.tensors`): 2D
``(3, 3)`` ``[11, 22, 12]`` (plane strain: 2D moduli are the in-plane ones, e.g. the
area bulk modulus ``kappa = K + G/3`` of an isotropic solid), 3D ``(6, 6)``
``[11, 22, 33, 23, 13, 12]``. Moduli come out in the stiffness's unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from scaleweave.errors import ConfigError

__all__ = ["bulk_modulus", "isotropic_moduli", "strain_modulus", "stress_modulus",
           "voigt_reuss_range", "young_modulus"]


def _stiffness(c: np.ndarray) -> tuple[np.ndarray, int]:
    """The stiffness as an array and its spatial dimension (2 or 3)."""
    a = np.asarray(c, dtype=float)
    if a.shape not in ((3, 3), (6, 6)):
        raise ConfigError(f"need a 2D (3, 3) or 3D (6, 6) Mandel stiffness, got {a.shape}")
    return a, 2 if a.shape == (3, 3) else 3


def _identity(d: int) -> np.ndarray:
    return np.array([1.0, 1.0, 0.0]) if d == 2 else np.array([1.0] * 3 + [0.0] * 3)


def strain_modulus(c: np.ndarray, mode: Sequence[float]) -> float:
    """``n^T C n / n^T n``: the stiffness under the strain mode ``n`` (Mandel vector).

    Examples
    --------
    >>> strain_modulus(np.diag([4.0, 2.0, 1.0]), [1.0, 0.0, 0.0])
    4.0
    """
    a, _ = _stiffness(c)
    n = np.asarray(mode, dtype=float)
    return float(n @ a @ n / (n @ n))


def stress_modulus(c: np.ndarray, mode: Sequence[float]) -> float:
    """``n^T n / n^T S n``: the stiffness under the stress mode ``n`` (Mandel vector).

    Examples
    --------
    >>> round(stress_modulus(np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0],
    ...                                 [0.0, 0.0, 1.0]]), [1.0, 0.0, 0.0]), 6)
    1.5
    """
    a, _ = _stiffness(c)
    n = np.asarray(mode, dtype=float)
    return float(n @ n / (n @ np.linalg.solve(a, n)))


def bulk_modulus(c: np.ndarray) -> float:
    """``1 / (I^T S I)``: hydrostatic stress over the volumetric (areal) strain it causes.

    Equal to ``K`` of an isotropic 3D stiffness and to the area bulk modulus
    ``kappa = K + G/3`` of an isotropic plane-strain one; for an anisotropic
    stiffness, the Reuss-type (stress-prescribed) bulk modulus.

    Examples
    --------
    >>> from scaleweave.materials.tensors import isotropic_stiffness
    >>> round(bulk_modulus(isotropic_stiffness(5.0, 3.0)), 12)
    5.0
    >>> round(bulk_modulus(isotropic_stiffness(5.0, 3.0, 2)), 12)
    6.0
    """
    a, d = _stiffness(c)
    i = _identity(d)
    return float(1.0 / (i @ np.linalg.solve(a, i)))


def young_modulus(c: np.ndarray, direction: Sequence[float]) -> float:
    """Directional Young's modulus ``1 / (N^T S N)``, ``N`` the Mandel vector of ``d (x) d``.

    In 2D (plane strain) this is the plane-strain modulus ``E / (1 - nu^2)`` of an
    isotropic solid.

    Examples
    --------
    >>> from scaleweave.materials.tensors import isotropic_stiffness_young
    >>> round(young_modulus(isotropic_stiffness_young(200.0, 0.3), [0.0, 0.0, 1.0]), 9)
    200.0
    """
    a, d = _stiffness(c)
    u = np.asarray(direction, dtype=float)
    if u.shape != (d,) or not np.linalg.norm(u) > 0:
        raise ConfigError(f"direction must be a non-zero {d}-vector, got {u.tolist()}")
    u = u / np.linalg.norm(u)
    t = np.outer(u, u)
    s2 = np.sqrt(2.0)
    n = (np.array([t[0, 0], t[1, 1], s2 * t[0, 1]]) if d == 2 else
         np.array([t[0, 0], t[1, 1], t[2, 2], s2 * t[1, 2], s2 * t[0, 2], s2 * t[0, 1]]))
    return float(1.0 / (n @ np.linalg.solve(a, n)))


def isotropic_moduli(c: np.ndarray) -> tuple[float, float]:
    """Isotropic projection (Voigt-type): ``I^T C I / d^2`` and ``(tr C - I^T C I / d)
    / (2 (m - 1))``.

    The bulk and shear moduli of the isotropic stiffness nearest ``C`` (Frobenius);
    exact for an isotropic stiffness, 2D (plane: the area bulk modulus) or 3D (then
    equal to Voigt's orientation average,
    :func:`~scaleweave.bridges.homogenization.bounds.voigt_isotropic_moduli`). Both are
    sums of strain moduli, so the Voigt and Reuss tensors bound them.

    Examples
    --------
    >>> from scaleweave.materials.tensors import isotropic_stiffness
    >>> [round(x, 12) for x in isotropic_moduli(isotropic_stiffness(5.0, 3.0, 2))]
    [6.0, 3.0]
    """
    a, d = _stiffness(c)
    i = _identity(d)
    m = a.shape[0]
    hydro = float(i @ a @ i)
    return hydro / d**2, (float(np.trace(a)) - hydro / d) / (2.0 * (m - 1))


def voigt_reuss_range(voigt: np.ndarray, reuss: np.ndarray,
                      modulus: Callable[[np.ndarray], float]) -> tuple[float, float]:
    """``(modulus(C_R), modulus(C_V))``: the bounds on a Loewner-monotone ``modulus(C*)``.

    Valid for the moduli of this module (and any other function that grows with the
    stiffness in the Loewner order); not for an off-diagonal entry.

    Examples
    --------
    >>> from scaleweave.bridges.homogenization.bounds import voigt_reuss_stiffness
    >>> from scaleweave.materials.tensors import isotropic_stiffness
    >>> c_v, c_r = voigt_reuss_stiffness([0.5, 0.5], np.array(
    ...     [isotropic_stiffness(1.0, 1.0), isotropic_stiffness(3.0, 2.0)]))
    >>> [round(x, 6) for x in voigt_reuss_range(c_v, c_r, bulk_modulus)]
    [1.5, 2.0]
    """
    return float(modulus(reuss)), float(modulus(voigt))
