"""The steady field of a point source with diffusion and first-order decay, 2D and 3D.

``D lap(c) - k c + q delta(x) = 0`` on the plane has the solution

.. math:: c(r) = \\frac{q}{2 \\pi D} K_0(r / \\lambda), \\qquad \\lambda = \\sqrt{D / k},

with ``K0`` the modified Bessel function of the second kind (Carslaw & Jaeger 1959,
Conduction of Heat in Solids, 2nd ed., Oxford). For ``q`` in molecules/s, ``c`` is
an areal density (1/m^2). In space it is the Yukawa (screened Coulomb) field

.. math:: c(r) = \\frac{q}{4 \\pi D r} e^{-r / \\lambda},

a volume density (1/m^3); in a box with zero-flux walls the walls act as mirrors, so
the field is the sum over the source's images (Carslaw & Jaeger 1959, sec. 10.10):
:func:`point_source_box_3d`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import k0

__all__ = ["CARSLAW_JAEGER_1959", "CARSLAW_JAEGER_1959_3D", "point_source_2d",
           "point_source_3d", "point_source_box_3d"]

#: Where the solution comes from.
CARSLAW_JAEGER_1959 = ("point source with decay in 2D (modified Bessel K0); "
                       "Carslaw & Jaeger (1959)")
#: Where the 3D solution (and its images in a zero-flux box) comes from.
CARSLAW_JAEGER_1959_3D = ("point source with decay in 3D, q exp(-r/lambda)/(4 pi D r), "
                          "mirrored in the zero-flux walls; Carslaw & Jaeger (1959)")


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


def point_source_3d(r: Any, q: float, diffusivity: float, decay: float) -> np.ndarray:
    """``q exp(-r / lambda) / (4 pi D r)`` at distances ``r`` (m) from the source.

    Parameters
    ----------
    r : float or ndarray
        Distance (m), > 0.
    q, diffusivity, decay : float
        As in :func:`point_source_2d`.

    Returns
    -------
    ndarray
        The steady field in unbounded space (amount/m^3).

    Examples
    --------
    >>> c = point_source_3d(2.0, 1.0, 4.0, 1.0)  # lambda = 2: exp(-1) / (32 pi)
    >>> round(float(c * 32 * np.pi), 6)
    0.367879
    """
    r = np.asarray(r, dtype=float)
    return q * np.exp(-r / math.sqrt(diffusivity / decay)) / (4 * np.pi * diffusivity * r)


def point_source_box_3d(points: Any, source: Any, box: Any, q: float, diffusivity: float,
                        decay: float, *, reach: float = 40.0) -> np.ndarray:
    """Steady field at ``points`` of a point source in a box with zero-flux walls.

    The box ``[0, Lx] x [0, Ly] x [0, Lz]`` mirrors the source at ``(xs, ys, zs)``
    into the images ``(2 a Lx +- xs, 2 b Ly +- ys, 2 c Lz +- zs)`` (all integers
    ``a, b, c``), each a :func:`point_source_3d`; images farther than ``reach``
    decay lengths from the box are left out (their share is below ``exp(-reach)``).

    Parameters
    ----------
    points : array_like, shape (m, 3)
        Where the field is wanted (m), inside the box.
    source : array_like, shape (3,)
        The source (m), inside the box, not at any of ``points``.
    box : array_like, shape (3,)
        ``(Lx, Ly, Lz)`` (m).
    q, diffusivity, decay : float
        As in :func:`point_source_2d`.
    reach : float
        Images within this many decay lengths are summed.

    Returns
    -------
    ndarray, shape (m,)
        The field (amount/m^3).

    Examples
    --------
    A deep box: a source on the floor is its own image, twice the free field.

    >>> c = point_source_box_3d([[50.0, 51.0, 0.0]], [50.0, 50.0, 0.0], [100.0] * 3,
    ...                         1.0, 1.0, 1.0)
    >>> round(float(c[0] / point_source_3d(1.0, 1.0, 1.0, 1.0)), 9)
    2.0
    """
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    src, size = np.asarray(source, dtype=float), np.asarray(box, dtype=float)
    lam = math.sqrt(diffusivity / decay)
    axes = []
    for length, s in zip(size, src, strict=True):
        a = np.arange(-math.ceil(reach * lam / (2 * length)) - 1,
                      math.ceil(reach * lam / (2 * length)) + 2)
        axes.append(np.concatenate([2 * a * length + s, 2 * a * length - s]))
    images = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    out = np.empty(len(pts))
    for j, x in enumerate(pts):  # points one by one: the images are the long axis
        r = np.sqrt(np.sum((images - x) ** 2, axis=1))
        near = r < (reach + 2.0 * np.max(size) / lam) * lam
        out[j] = float(np.sum(point_source_3d(r[near], q, diffusivity, decay)))
    return out
