"""Periodic lattices for kinetic Monte Carlo: sites, neighbour tables and hop vectors.

A :class:`Lattice` is a periodic supercell of sites with, for every site, the table
of its hop neighbours (padded with -1), the hop displacement vectors (m) and the
reverse slot (which slot of the neighbour points back). The six standard lattices
are built with the nearest-neighbour (hop) distance ``a`` as their length; any
other lattice comes from a unit cell and a cutoff, e.g. the lithium sites of a
crystal structure read with ASE (:func:`lattice_from_atoms`).

Conventions: positions and displacements are in metres; a 2D lattice lies in the
x-y plane and its third cell vector (length ``layer_spacing``, default ``a``) only
sets the volume a carrier density refers to.

Examples
--------
>>> lat = standard_lattice("fcc", 4, 3e-10)
>>> lat.n_sites, lat.coordination, lat.dim
(256, 12, 3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaleweave.errors import ConfigError

__all__ = [
    "STANDARD_LATTICES",
    "Lattice",
    "lattice_from_atoms",
    "periodic_lattice",
    "standard_lattice",
]

#: Names accepted by :func:`standard_lattice`, with their coordination numbers.
STANDARD_LATTICES = {"square": 4, "triangular": 6, "honeycomb": 3, "simple_cubic": 6,
                     "bcc": 8, "fcc": 12}


@dataclass(frozen=True, eq=False)
class Lattice:
    """A periodic lattice of sites with its neighbour table.

    Attributes
    ----------
    name : str
        What it is (``"fcc"``, ``"Li in LiFePO4"``).
    positions : ndarray, shape (N, 3)
        Site positions (m).
    neighbors : ndarray of int32, shape (N, z)
        Neighbour site of each hop slot; -1 pads sites with fewer than ``z`` neighbours.
    displacements : ndarray, shape (N, z, 3)
        Hop vector of each slot (m); zero on padding.
    reverse : ndarray of int32, shape (N, z)
        For slot ``k`` of site ``i`` pointing to ``j``: the slot of ``j`` pointing to ``i``.
    cell : ndarray, shape (3, 3)
        Rows are the periodic supercell vectors (m).
    dim : int
        2 or 3: the dimension diffusion happens in (``D = <r^2> / (2 dim t)``).
    """

    name: str
    positions: np.ndarray
    neighbors: np.ndarray
    displacements: np.ndarray
    reverse: np.ndarray
    cell: np.ndarray
    dim: int

    @property
    def n_sites(self) -> int:
        """Number of sites ``N``."""
        return int(self.neighbors.shape[0])

    @property
    def coordination(self) -> int:
        """Largest number of hop neighbours of a site ``z``."""
        return int(self.neighbors.shape[1])

    @property
    def hop_distance(self) -> float:
        """Shortest hop length (m)."""
        lengths = np.linalg.norm(self.displacements, axis=-1)
        return float(lengths[self.neighbors >= 0].min())

    @property
    def volume(self) -> float:
        """Supercell volume (m^3); for 2D lattices area times the layer spacing."""
        return float(abs(np.linalg.det(self.cell)))

    def __repr__(self) -> str:
        return (f"<Lattice {self.name!r}: {self.n_sites} sites, z={self.coordination}, "
                f"a={self.hop_distance:.4g} m, {self.dim}D>")


def periodic_lattice(cell: Any, basis: Any, repeat: Any, cutoff: float, *, name: str = "lattice",
                     dim: int = 3, tol: float = 1e-6) -> Lattice:
    """Build a periodic supercell and its neighbour table from a unit cell.

    Parameters
    ----------
    cell : array_like, shape (3, 3)
        Unit-cell vectors as rows (m).
    basis : array_like, shape (B, 3)
        Fractional coordinates of the sites in the unit cell.
    repeat : int or sequence of 3 ints
        Unit cells along each cell vector (for ``dim=2`` the third must be 1).
    cutoff : float
        Sites closer than ``cutoff * (1 + tol)`` (m) are hop neighbours.
    name : str
        Label of the lattice.
    dim : {2, 3}
        2: periodic along the first two vectors only (a layer in the x-y plane).
    tol : float
        Relative tolerance on the cutoff.

    Raises
    ------
    ConfigError
        Bad shapes, a cutoff that finds no neighbours, or a supercell too small for
        its cutoff (a site would see the same neighbour through two images).
    """
    cell = np.asarray(cell, dtype=float)
    basis = np.atleast_2d(np.asarray(basis, dtype=float))
    if cell.shape != (3, 3) or basis.shape[1] != 3 or basis.shape[0] < 1:
        raise ConfigError(f"lattice {name!r}: cell must be 3x3 and basis (B, 3), got "
                          f"{cell.shape} and {basis.shape}")
    if dim not in (2, 3):
        raise ConfigError(f"lattice {name!r}: dim must be 2 or 3, got {dim}")
    reps = np.broadcast_to(np.asarray(repeat, dtype=int), (3,)).copy()
    if dim == 2:
        reps[2] = 1
    if np.any(reps < 1):
        raise ConfigError(f"lattice {name!r}: repeat must be positive, got {reps.tolist()}")
    if not (cutoff > 0 and math.isfinite(cutoff)):
        raise ConfigError(f"lattice {name!r}: cutoff must be positive (m), got {cutoff}")
    volume = abs(np.linalg.det(cell))
    heights = np.array([volume / np.linalg.norm(np.cross(cell[(i + 1) % 3], cell[(i + 2) % 3]))
                        for i in range(3)])
    reach = np.ceil(cutoff * (1 + tol) / heights).astype(int) + 1
    periodic = np.array([True, True, dim == 3])
    reach[~periodic] = 0
    cut = cutoff * (1 + tol)
    # Neighbour candidates of each basis site: (basis b', cell offset n, vector d).
    ranges = [np.arange(-r, r + 1) for r in reach]
    offsets = np.stack(np.meshgrid(*ranges, indexing="ij"), -1).reshape(-1, 3)
    nb = basis.shape[0]
    per_basis: list[list[tuple[int, np.ndarray, np.ndarray]]] = []
    for b in range(nb):
        found = []
        for b2 in range(nb):
            frac = basis[b2] + offsets - basis[b]
            vec = frac @ cell
            dist = np.linalg.norm(vec, axis=1)
            for n, d, r in zip(offsets, vec, dist, strict=True):
                if 1e-12 * cut < r <= cut:
                    found.append((b2, n, d))
        per_basis.append(found)
    z = max(len(f) for f in per_basis)
    if z == 0:
        raise ConfigError(f"lattice {name!r}: no neighbours within the cutoff {cutoff:.4g} m")
    # Each neighbour must be a distinct site of the supercell.
    for found in per_basis:
        keys = {(b2, *(np.mod(n, reps))) for b2, n, _ in found}
        if len(keys) != len(found):
            raise ConfigError(
                f"lattice {name!r}: the supercell {reps.tolist()} is too small for the cutoff "
                f"{cutoff:.4g} m (a neighbour is seen through two periodic images); repeat "
                f"the cell more")
    cells = np.stack(np.meshgrid(*[np.arange(r) for r in reps], indexing="ij"), -1).reshape(-1, 3)
    n_cells = cells.shape[0]
    n_sites = n_cells * nb

    def index(c: np.ndarray, b: int) -> np.ndarray:
        return ((c[:, 0] * reps[1] + c[:, 1]) * reps[2] + c[:, 2]) * nb + b

    neighbors = np.full((n_sites, z), -1, dtype=np.int32)
    disp = np.zeros((n_sites, z, 3))
    positions = np.zeros((n_sites, 3))
    for b in range(nb):
        rows = index(cells, b)
        positions[rows] = (cells + basis[b]) @ cell
        for k, (b2, n, d) in enumerate(per_basis[b]):
            neighbors[rows, k] = index(np.mod(cells + n, reps), b2)
            disp[rows, k] = d
    reverse = _reverse_slots(neighbors, disp, name)
    supercell = cell * reps[:, None]
    return Lattice(name, positions, neighbors, disp, reverse, supercell, dim)


def _reverse_slots(neighbors: np.ndarray, disp: np.ndarray, name: str) -> np.ndarray:
    n, z = neighbors.shape
    reverse = np.full((n, z), -1, dtype=np.int32)
    valid = neighbors >= 0
    src = np.repeat(np.arange(n), z).reshape(n, z)
    tgt = np.where(valid, neighbors, 0)
    back = neighbors[tgt] == src[:, :, None]  # (n, z, z): slot of the target pointing back
    back &= np.all(np.abs(disp[tgt] + disp[:, :, None, :]) <= 1e-6 * np.abs(disp).max(),
                   axis=-1)
    found = back.any(axis=-1)
    if np.any(valid & ~found):
        raise ConfigError(f"lattice {name!r}: the neighbour relation is not symmetric")
    reverse[valid] = np.argmax(back, axis=-1)[valid]
    return reverse


def standard_lattice(kind: str, size: int | tuple[int, ...], a: float, *,
                     layer_spacing: float | None = None) -> Lattice:
    """One of the six standard lattices, with nearest-neighbour (hop) distance ``a``.

    Parameters
    ----------
    kind : {"square", "triangular", "honeycomb", "simple_cubic", "bcc", "fcc"}
        The lattice. bcc and fcc use the conventional cubic cell (2 and 4 sites),
        honeycomb a rhombic cell of 2 sites, the others one site per cell.
    size : int or tuple
        Unit cells along each periodic direction.
    a : float
        Nearest-neighbour distance = hop length (m).
    layer_spacing : float, optional
        For 2D lattices, the thickness (m) that turns an area into a volume
        (default ``a``).

    Examples
    --------
    >>> standard_lattice("honeycomb", 3, 1e-10).coordination
    3
    """
    if kind not in STANDARD_LATTICES:
        raise ConfigError(f"unknown lattice {kind!r}; choose one of {sorted(STANDARD_LATTICES)}")
    if not (a > 0 and math.isfinite(a)):
        raise ConfigError(f"lattice {kind!r}: hop distance a must be positive (m), got {a}")
    h = a if layer_spacing is None else layer_spacing
    s3 = math.sqrt(3.0)
    two_d = kind in ("square", "triangular", "honeycomb")
    reps = (size, size, 1 if two_d else size) if np.ndim(size) == 0 else tuple(size)
    if two_d and len(reps) == 2:
        reps = (*reps, 1)
    if kind == "square":
        cell, basis = np.diag([a, a, h]), [[0, 0, 0]]
    elif kind == "triangular":
        cell, basis = np.array([[a, 0, 0], [a / 2, a * s3 / 2, 0], [0, 0, h]]), [[0, 0, 0]]
    elif kind == "honeycomb":
        c = a * s3
        cell = np.array([[c, 0, 0], [c / 2, c * s3 / 2, 0], [0, 0, h]])
        basis = [[0, 0, 0], [1 / 3, 1 / 3, 0]]
    elif kind == "simple_cubic":
        cell, basis = np.eye(3) * a, [[0, 0, 0]]
    elif kind == "bcc":
        cell, basis = np.eye(3) * (2 * a / s3), [[0, 0, 0], [0.5, 0.5, 0.5]]
    else:  # fcc
        cell = np.eye(3) * (a * math.sqrt(2.0))
        basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
    lat = periodic_lattice(cell, basis, reps, a, name=kind, dim=2 if two_d else 3)
    if lat.coordination != STANDARD_LATTICES[kind]:  # pragma: no cover - construction bug
        raise ConfigError(f"lattice {kind!r}: built coordination {lat.coordination}")
    return lat


def lattice_from_atoms(atoms: Any, species: str, *, cutoff: float | None = None,
                       repeat: int | tuple[int, int, int] = 1) -> Lattice:
    """The sublattice of one species of a crystal structure (an ASE ``Atoms``).

    Parameters
    ----------
    atoms : ase.Atoms
        Periodic crystal structure (ASE lengths in Angstrom).
    species : str
        Chemical symbol whose sites carriers hop between (``"Li"``).
    cutoff : float, optional
        Hop cutoff (m); default 1.05 times the shortest distance between two sites of
        ``species`` (nearest-neighbour hops only).
    repeat : int or tuple of 3 ints
        Supercell of the structure's cell.

    Raises
    ------
    ConfigError
        If the structure holds no atom of ``species`` or is not periodic in 3D.

    Examples
    --------
    >>> from ase.build import bulk
    >>> lattice_from_atoms(bulk("Cu", "fcc", a=3.6, cubic=True), "Cu", repeat=3).coordination
    12
    """
    symbols = np.array(atoms.get_chemical_symbols())
    mask = symbols == species
    if not mask.any():
        raise ConfigError(f"the structure has no {species!r} atoms; it holds "
                          f"{sorted(set(symbols.tolist()))}")
    if not all(atoms.pbc):
        raise ConfigError("lattice_from_atoms needs a structure periodic in all three directions")
    cell = np.asarray(atoms.cell[:], dtype=float) * 1e-10
    basis = np.asarray(atoms.get_scaled_positions(), dtype=float)[mask]
    if cutoff is None:
        # Shortest site-site distance, over enough periodic images.
        cart = basis @ cell
        offs = np.stack(np.meshgrid(*[np.arange(-1, 2)] * 3, indexing="ij"), -1).reshape(-1, 3)
        shifts = offs @ cell
        d = cart[None, :, None, :] + shifts[None, None, :, :] - cart[:, None, None, :]
        dist = np.linalg.norm(d, axis=-1)
        cutoff = 1.05 * float(dist[dist > 1e-14].min())
    name = f"{species} sites of {atoms.get_chemical_formula()}"
    return periodic_lattice(cell, basis, repeat, cutoff, name=name, dim=3)
