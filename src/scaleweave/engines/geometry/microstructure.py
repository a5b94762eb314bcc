"""Periodic pixel/voxel microstructures: integer phase-label grids for RVE solvers.

Every generator returns an integer array (``0`` the matrix / first phase, ``1`` the
inclusions / second phase, or one label per grain) on the unit periodic cell; pixel
``i`` has its centre at ``(i + 1/2) / n``. Random generators take a
:class:`numpy.random.Generator`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from scaleweave.errors import ConfigError

__all__ = [
    "ScanTrackRVE",
    "checkerboard",
    "inclusion_array",
    "laminate",
    "random_centres",
    "random_inclusions",
    "scan_angles",
    "scan_tracks",
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


@dataclass(frozen=True)
class ScanTrackRVE:
    """A periodic voxel RVE of laser scan tracks, layer by layer.

    Attributes
    ----------
    phases : ndarray of int, shape ``(nx, ny, nz)``
        Phase ``i < len(angles)``: dense material whose tracks run at ``angles[i]``
        (rad from ``x`` in the ``x``-``y`` plane, ``z`` the build direction);
        ``pore_phase`` (if any): lack-of-fusion porosity.
    angles : ndarray
        Scan direction of each material phase (rad).
    layer_angle : ndarray
        Scan direction of each layer (rad).
    track : ndarray of int
        Track index of each voxel within its layer (for pictures and checks).
    pore_phase : int or None
        Label of the pores, None without porosity.
    porosity : float
        Pore voxel fraction actually placed.
    """

    phases: np.ndarray
    angles: np.ndarray
    layer_angle: np.ndarray
    track: np.ndarray
    pore_phase: int | None
    porosity: float


def scan_angles(strategy: str | float, n_layers: int) -> np.ndarray:
    """Scan direction of each layer (rad) for a scan strategy.

    Parameters
    ----------
    strategy : {"0/90", "67", "unidirectional"} or float
        Alternate 0 and 90 degrees; rotate by 67 degrees per layer (modulo 180);
        always 0; or rotate by the given angle (degrees) per layer.
    n_layers : int
        Layers of the RVE.

    Examples
    --------
    >>> np.degrees(scan_angles("67", 4)).round(6).tolist()
    [0.0, 67.0, 134.0, 21.0]
    """
    if n_layers < 1:
        raise ConfigError(f"n_layers must be at least 1, got {n_layers}")
    named = {"0/90": 90.0, "67": 67.0, "unidirectional": 0.0}
    try:
        step = named[strategy] if isinstance(strategy, str) else float(strategy)
    except KeyError:
        raise ConfigError(f"scan strategy must be one of {sorted(named)} or a rotation "
                          f"angle in degrees, got {strategy!r}") from None
    return np.radians((step * np.arange(n_layers)) % 180.0)


def scan_tracks(shape: Sequence[int], n_layers: int, track_width: float,
                strategy: str | float = "0/90", *, porosity: float = 0.0,
                pore_radius: float = 0.35, jitter: float = 0.0,
                rng: np.random.Generator | None = None) -> ScanTrackRVE:
    """Voxel RVE of scan tracks with a layer-wise scan strategy and seeded porosity.

    The cell, the unit square in plane (``nx == ny``) and ``nz / nx`` high with cubic
    voxels (``z`` the build direction), holds ``n_layers`` equal layers. Layer ``l``
    is scanned at angle ``theta_l`` (:func:`scan_angles`): tracks of width
    ``track_width`` (fraction of the cell side) run along ``t = (cos theta, sin theta)``,
    their boundaries shifted by a random fraction of a
    width per layer (the scan start). Lack-of-fusion pores, balls of radius
    ``pore_radius`` track widths, are centred at random points of the track
    boundaries at the bottom of each layer (where an under-melted track meets the
    one before and the layer below) until ``porosity`` is reached. ``jitter`` varies
    each track's width by a uniform relative amount, so the pore sites move too.

    Parameters
    ----------
    shape : sequence of 3 int
        Voxel grid ``(nx, ny, nz)``; ``nz`` must be a multiple of ``n_layers``.
    n_layers : int
        Layers in the cell.
    track_width : float
        Track (hatch) width as a fraction of the in-plane cell side, in (0, 1].
    strategy : str or float
        See :func:`scan_angles`.
    porosity : float
        Target pore volume fraction, in [0, 1); 0: dense.
    pore_radius : float
        Pore radius in track widths, > 0.
    jitter : float
        Relative track-width variation in [0, 1).
    rng : numpy.random.Generator, optional
        Source of the scan-start offsets, jitter and pores (required if any is random).

    Returns
    -------
    ScanTrackRVE

    Examples
    --------
    >>> r = scan_tracks((8, 8, 4), 2, 0.25)
    >>> r.phases[:, :, 0].max(), r.phases[:, :, 3].min(), np.degrees(r.angles).tolist()
    (np.int64(0), np.int64(1), [0.0, 90.0])
    """
    shape = _grid(shape)
    if len(shape) != 3:
        raise ConfigError(f"scan tracks need a 3D grid (nx, ny, nz), got {shape}")
    nx, ny, nz = shape
    if nx != ny:
        raise ConfigError(f"scan tracks need a square in-plane grid (cubic voxels), got "
                          f"nx={nx}, ny={ny}")
    if n_layers < 1 or nz % n_layers:
        raise ConfigError(f"nz = {nz} voxels must be a positive multiple of n_layers = "
                          f"{n_layers}")
    if not 0.0 < track_width <= 1.0:
        raise ConfigError(f"track_width must lie in (0, 1] of the cell side, got "
                          f"{track_width}")
    if not 0.0 <= porosity < 1.0:
        raise ConfigError(f"porosity must lie in [0, 1), got {porosity}")
    if not 0.0 <= jitter < 1.0:
        raise ConfigError(f"jitter must lie in [0, 1), got {jitter}")
    if pore_radius <= 0:
        raise ConfigError(f"pore_radius must be positive, got {pore_radius}")
    random = porosity > 0 or jitter > 0
    if random and rng is None:
        raise ConfigError("scan_tracks with porosity or jitter needs rng")
    layer_angle = scan_angles(strategy, n_layers)
    _, first, layer_phase = np.unique(np.round(layer_angle, 9), return_index=True,
                                      return_inverse=True)
    angles = layer_angle[first]
    nl = nz // n_layers
    x, y = np.meshgrid((np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny, indexing="ij")
    phases = np.empty(shape, dtype=np.int64)
    track = np.empty(shape, dtype=np.int64)
    sites = []  # candidate pore centres: track boundaries at the layer bottoms
    n_tracks = max(1, math.ceil(2.0 / track_width))  # covers |s| <= sqrt(2)
    for layer, theta in enumerate(layer_angle):
        s = -x * math.sin(theta) + y * math.cos(theta)  # across the track direction
        offset = rng.random() * track_width if random else 0.0
        widths = track_width * (1.0 + jitter * rng.uniform(-1.0, 1.0, 2 * n_tracks)
                                if jitter > 0 else np.ones(2 * n_tracks))
        edges = np.concatenate([[0.0], np.cumsum(widths)]) - n_tracks * track_width + offset
        tid = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(widths) - 1)
        zs = slice(layer * nl, (layer + 1) * nl)
        phases[:, :, zs] = layer_phase[layer]
        track[:, :, zs] = tid[:, :, None]
        if porosity > 0:
            lo, hi = float(s.min()), float(s.max())
            for e in edges[(edges > lo) & (edges < hi)]:
                sites.append((theta, e, layer * nl / nx))
    pore = None
    placed = 0.0
    if porosity > 0:
        if not sites:
            raise ConfigError("no track boundary inside the cell to place pores on; "
                              "narrow the tracks")
        pore = len(angles)
        r = pore_radius * track_width
        box = np.array([1.0, 1.0, nz / nx])  # cubic voxels of edge 1/nx
        pts = np.stack(np.meshgrid(*[(np.arange(n) + 0.5) / nx for n in shape],
                                   indexing="ij"), axis=-1).reshape(-1, 3)
        is_pore = np.zeros(pts.shape[0], dtype=bool)
        target = porosity * pts.shape[0]
        for _ in range(10_000):
            if is_pore.sum() >= target:
                break
            theta, e, z0 = sites[rng.integers(len(sites))]
            u = rng.random()  # along the boundary line, then wrapped into the cell
            c = np.array([-e * math.sin(theta) + u * 2.0 * math.cos(theta),
                          e * math.cos(theta) + u * 2.0 * math.sin(theta), z0]) % box
            delta = np.abs(pts - c)
            delta = np.minimum(delta, box - delta)
            is_pore |= np.sum(delta**2, axis=1) <= r * r
        else:
            raise ConfigError(f"could not reach porosity {porosity} with pores of radius "
                              f"{pore_radius} track widths on this grid; refine it")
        is_pore = is_pore.reshape(shape)
        phases[is_pore] = pore
        placed = float(is_pore.mean())
    return ScanTrackRVE(phases=phases, angles=angles, layer_angle=layer_angle, track=track,
                        pore_phase=pore, porosity=placed)
