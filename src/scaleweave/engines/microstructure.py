"""Periodic pixel/voxel microstructures: integer phase-label grids for RVE solvers.

Every generator returns an integer array (``0`` the matrix / first phase, ``1`` the
inclusions / second phase, or one label per grain) on the unit periodic cell; pixel
``i`` has its centre at ``(i + 1/2) / n``. Random generators take a
:class:`numpy.random.Generator`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from scaleweave.errors import ConfigError

__all__ = [
    "checkerboard",
    "inclusion_array",
    "laminate",
    "random_centres",
    "random_inclusions",
    "voronoi_grains",
]


def _grid(shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ConfigError(f"grid shape must have 2 or 3 positive sizes, got {shape}")
    return shape


def _fraction(f: float, name: str = "volume fraction") -> float:
    if not 0.0 < f < 1.0:
        raise ConfigError(f"{name} must lie in (0, 1), got {f}")
    return float(f)


def _centres(shape: tuple[int, ...]) -> list[np.ndarray]:
    return np.meshgrid(*[(np.arange(n) + 0.5) / n for n in shape], indexing="ij", sparse=True)


def _ball_volume(r: float, d: int) -> float:
    return math.pi * r**2 if d == 2 else 4.0 / 3.0 * math.pi * r**3


def laminate(shape: Sequence[int], fraction: float, axis: int = 0) -> np.ndarray:
    """Layers normal to ``axis``: phase 1 in the first ``round(fraction n)`` slices.

    Examples
    --------
    >>> laminate((4, 2), 0.25).tolist()
    [[1, 1], [0, 0], [0, 0], [0, 0]]
    """
    shape = _grid(shape)
    n1 = round(_fraction(fraction) * shape[axis])
    if not 0 < n1 < shape[axis]:
        raise ConfigError(f"fraction {fraction} leaves a phase empty on {shape[axis]} slices")
    idx = np.arange(shape[axis]) < n1
    sl = [None] * len(shape)
    sl[axis] = slice(None)
    return np.broadcast_to(idx[tuple(sl)], shape).astype(np.int64)


def checkerboard(shape: Sequence[int], cells: int = 2) -> np.ndarray:
    """Checkerboard of ``cells`` squares (cubes) per side; labels 0 and 1 alternate.

    Examples
    --------
    >>> checkerboard((4, 4)).tolist()
    [[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0]]
    """
    shape = _grid(shape)
    if any(n % cells for n in shape):
        raise ConfigError(f"grid {shape} is not divisible into {cells} cells per side")
    idx = np.meshgrid(*[np.arange(n) * cells // n for n in shape], indexing="ij", sparse=True)
    return (sum(idx) % 2).astype(np.int64)


def inclusion_array(shape: Sequence[int], fraction: float) -> np.ndarray:
    """One centred disk (sphere) per cell: a square (simple cubic) array.

    The radius gives the requested area (volume) fraction in the continuum; the
    pixelated fraction differs by O(1/n). Touching inclusions (``fraction`` above
    ``pi/4`` in 2D, ``pi/6`` in 3D) are refused.

    Examples
    --------
    >>> float(inclusion_array((64, 64), 0.3).mean().round(2))
    0.3
    """
    shape = _grid(shape)
    d = len(shape)
    f = _fraction(fraction)
    f_max = _ball_volume(0.5, d)
    if f >= f_max:
        raise ConfigError(f"inclusions touch above fraction {f_max:.4f} in {d}D; got {f}")
    r = (f / math.pi) ** 0.5 if d == 2 else (3.0 * f / (4.0 * math.pi)) ** (1.0 / 3.0)
    r2 = sum((x - 0.5) ** 2 for x in _centres(shape))
    return (r2 <= r * r).astype(np.int64)


def random_centres(n: int, radius: float, dim: int, rng: np.random.Generator, *,
                   max_attempts: int = 100_000) -> np.ndarray:
    """Centres of ``n`` non-overlapping periodic balls in the unit cell (random addition).

    Each centre is drawn uniformly until its periodic distance to all earlier ones is
    at least ``2 radius``.

    Returns
    -------
    ndarray, shape ``(n, dim)``

    Raises
    ------
    ConfigError
        If ``max_attempts`` draws in total do not place all ``n``.
    """
    centres = np.empty((0, dim))
    attempts = 0
    while len(centres) < n:
        attempts += 1
        if attempts > max_attempts:
            raise ConfigError(f"placed only {len(centres)} of {n} inclusions of radius "
                              f"{radius} after {max_attempts} draws; lower the fraction")
        c = rng.random(dim)
        if len(centres):
            delta = np.abs(centres - c)
            delta = np.minimum(delta, 1.0 - delta)
            if np.min(np.sum(delta**2, axis=1)) < (2.0 * radius) ** 2:
                continue
        centres = np.vstack([centres, c])
    return centres


def random_inclusions(shape: Sequence[int], fraction: float, radius: float,
                      rng: np.random.Generator, *, max_attempts: int = 100_000
                      ) -> np.ndarray:
    """Random non-overlapping periodic disks (spheres) of one radius.

    Random sequential addition: ``n = round(fraction / (pi r^2))`` (``4/3 pi r^3``)
    centres, each drawn uniformly until it does not overlap the previous ones
    (periodic distance ``>= 2 r``).

    Parameters
    ----------
    shape : sequence of int
        Grid shape (2 or 3 axes); the cell is the unit square (cube).
    fraction : float
        Target area (volume) fraction in (0, 1), continuum value.
    radius : float
        Inclusion radius as a fraction of the cell side, in (0, 0.5).
    rng : numpy.random.Generator
        Source of the centres.
    max_attempts : int
        Total draws allowed before declaring the packing impossible.

    Raises
    ------
    ConfigError
        Fraction outside (0, 1), above the random sequential addition jamming limit
        (0.547 in 2D, 0.38 in 3D), or no packing found within ``max_attempts``.
    """
    shape = _grid(shape)
    d = len(shape)
    f = _fraction(fraction)
    if not 0.0 < radius < 0.5:
        raise ConfigError(f"radius must lie in (0, 0.5) of the cell side, got {radius}")
    jam = 0.547 if d == 2 else 0.38
    if f > jam:
        raise ConfigError(f"fraction {f} exceeds the random-addition jamming limit "
                          f"{jam} in {d}D")
    n = max(1, round(f / _ball_volume(radius, d)))
    centres = random_centres(n, radius, d, rng, max_attempts=max_attempts)
    points = np.stack(np.meshgrid(*[(np.arange(m) + 0.5) / m for m in shape],
                                  indexing="ij"), axis=-1).reshape(-1, d)
    dist, _ = cKDTree(centres, boxsize=1.0).query(points)
    return (dist <= radius).reshape(shape).astype(np.int64)


def voronoi_grains(shape: Sequence[int], n_grains: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Periodic Voronoi grains with uniformly random crystal orientations.

    Returns
    -------
    labels : ndarray of int
        Grain index of each pixel/voxel (nearest seed, periodic distance).
    orientations : ndarray
        2D: angle (rad) in ``[0, pi)`` per grain; 3D: ``(n_grains, 3, 3)`` rotation
        matrices uniform on SO(3).

    Examples
    --------
    >>> lab, rot = voronoi_grains((16, 16, 16), 5, np.random.default_rng(0))
    >>> lab.max() < 5, rot.shape
    (np.True_, (5, 3, 3))
    """
    shape = _grid(shape)
    d = len(shape)
    if n_grains < 1:
        raise ConfigError(f"n_grains must be at least 1, got {n_grains}")
    seeds = rng.random((n_grains, d))
    points = np.stack(np.meshgrid(*[(np.arange(m) + 0.5) / m for m in shape],
                                  indexing="ij"), axis=-1).reshape(-1, d)
    _, idx = cKDTree(seeds, boxsize=1.0).query(points)
    labels = idx.reshape(shape).astype(np.int64)
    if d == 2:
        return labels, rng.uniform(0.0, np.pi, n_grains)
    return labels, Rotation.random(n_grains, random_state=rng).as_matrix()
