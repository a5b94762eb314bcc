"""Hop paths for the barrier bridge: the two end states of one ion hop.

A :class:`HopPath` holds the initial and final structures of one hop (same atoms,
same order), the hopping atom(s) and, where there is one, a published barrier.
Two ready-made hops: ASE's NEB tutorial system, an Au adatom on Al(100)
(:func:`au_al100_adatom_hop`, fast with EMT), and the Li vacancy hop along the
b-axis channel of olivine LiFePO4 (:func:`lifepo4_b_channel_hop`, for CHGNet).
Positions are in Angstrom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleweave.bridges.rates.calculators import require_ase
from scaleweave.errors import ConfigError

if TYPE_CHECKING:
    from ase import Atoms

__all__ = [
    "LIFEPO4_B_BARRIER_EV",
    "LIFEPO4_B_SOURCE",
    "HopPath",
    "au_al100_adatom_hop",
    "lifepo4_b_channel_hop",
]


@dataclass(frozen=True)
class HopPath:
    """The two end states of one hop (same atoms, same order).

    Parameters
    ----------
    initial, final : ase.Atoms
        End states (positions in Angstrom). Constraints (``FixAtoms``) on
        ``initial`` are applied to every image.
    moving : tuple of int
        Indices of the hopping atom(s); their modes enter the Vineyard prefactor.
    description : str
        One line for humans.
    reference_barrier : float or None
        A published barrier (eV) for this hop, if there is one.
    reference_source : str
        Where ``reference_barrier`` comes from.
    """

    initial: Atoms
    final: Atoms
    moving: tuple[int, ...]
    description: str = ""
    reference_barrier: float | None = None
    reference_source: str = ""

    def __post_init__(self) -> None:
        if len(self.initial) != len(self.final):
            raise ConfigError(f"hop {self.description!r}: initial has {len(self.initial)} atoms,"
                              f" final {len(self.final)}; both ends need the same atoms")
        if list(self.initial.numbers) != list(self.final.numbers):
            raise ConfigError(f"hop {self.description!r}: initial and final list different "
                              "elements (or a different order)")
        if not self.moving or any(not 0 <= i < len(self.initial) for i in self.moving):
            raise ConfigError(f"hop {self.description!r}: moving atom indices {self.moving} "
                              f"must be within 0..{len(self.initial) - 1}")

    def fixed(self) -> list[int]:
        """Indices held fixed by ``FixAtoms`` constraints on ``initial``."""
        from ase.constraints import FixAtoms

        out: list[int] = []
        for c in self.initial.constraints:
            if isinstance(c, FixAtoms):
                out.extend(int(i) for i in c.get_indices())
        return sorted(set(out))

    def __content__(self) -> dict[str, Any]:
        """What makes two hops the same (:mod:`scaleweave.core.hashing`): :meth:`key`."""
        return self.key()

    def key(self) -> dict[str, Any]:
        """Exact content of the hop for a cache key (numbers, positions, cell, pbc, fixed)."""
        return {
            "numbers": np.asarray(self.initial.numbers, dtype=np.int64),
            "initial": np.asarray(self.initial.positions, dtype=float),
            "final": np.asarray(self.final.positions, dtype=float),
            "cell": np.asarray(self.initial.cell[:], dtype=float),
            "final_cell": np.asarray(self.final.cell[:], dtype=float),
            "pbc": np.asarray(self.initial.pbc, dtype=bool),
            "fixed": np.asarray(self.fixed(), dtype=np.int64),
            "moving": np.asarray(self.moving, dtype=np.int64),
        }


def au_al100_adatom_hop() -> HopPath:
    """Au adatom hopping between hollow sites of Al(100): ASE's NEB tutorial system.

    A 2x2 Al(100) slab of 3 layers (bottom two fixed) with Au 1.7 Angstrom above a
    hollow site; the final state is one surface lattice constant along x, as in
    ASE's tutorial "Surface diffusion energy barriers using the Nudged Elastic Band
    method" (https://ase-lib.org/tutorials/neb/diffusion.html). Fast with ``"emt"``.
    Endpoints are relaxed by :func:`~scaleweave.bridges.rates.neb.neb_barrier`
    (``relax_endpoints``).

    Returns
    -------
    HopPath
        The hop (no published barrier).
    """
    require_ase()
    from ase.build import add_adsorbate, fcc100
    from ase.constraints import FixAtoms

    slab = fcc100("Al", size=(2, 2, 3))
    add_adsorbate(slab, "Au", 1.7, "hollow")
    slab.center(axis=2, vacuum=4.0)
    slab.set_constraint(FixAtoms(mask=[atom.tag > 1 for atom in slab]))
    final = slab.copy()
    final.positions[-1, 0] += slab.cell[0, 0] / 2
    return HopPath(initial=slab, final=final, moving=(len(slab) - 1,),
                   description="Au adatom hollow-to-hollow hop on Al(100), 2x2x3 slab")


#: The DFT (GGA) barrier of Li hopping along the b-axis channel of LiFePO4 (eV).
LIFEPO4_B_BARRIER_EV = 0.27
LIFEPO4_B_SOURCE = ("Morgan, Van der Ven & Ceder 2004, Electrochem. Solid-State Lett. 7, "
                    "A30: 270 meV for Li migration along [010] in LiFePO4 (GGA)")


def lifepo4_b_channel_hop(supercell: Sequence[int] = (1, 1, 1)) -> HopPath:
    """Li vacancy hop along the [010] (b-axis) channel of olivine LiFePO4.

    The 28-atom Pnma cell (4 formula units;
    :func:`~scaleweave.materials.lifepo4.lifepo4_unit_cell`) with the Li at
    ``(0, 1/2, 0)`` removed; the Li at ``(0, 0, 0)`` hops into the vacancy (3.0
    Angstrom along b, on a curved path). Initial and final states are equivalent by
    symmetry, so the barrier is symmetric. Published DFT barrier:
    :data:`LIFEPO4_B_BARRIER_EV` = 0.27 eV (:data:`LIFEPO4_B_SOURCE`); Islam et al.
    2005 (Chem. Mater. 17, 5085) find the same curved b-channel path with
    interatomic potentials.

    Parameters
    ----------
    supercell : sequence of 3 int
        Repetitions of the unit cell; ``(1, 1, 1)`` (27 atoms) runs a CHGNet NEB in
        about a minute on one core, with periodic images of the vacancy 6.0
        Angstrom apart along b.

    Returns
    -------
    HopPath
        The hop, with its published barrier.
    """
    require_ase()
    from scaleweave.materials.lifepo4 import lifepo4_unit_cell

    unit = lifepo4_unit_cell()
    reps = tuple(int(n) for n in supercell)
    if len(reps) != 3 or min(reps) < 1:
        raise ConfigError(f"supercell must be three positive integers, got {supercell!r}")
    bulk = unit.repeat(reps)
    frac = bulk.get_scaled_positions()
    li = [i for i, a in enumerate(bulk) if a.symbol == "Li"]
    origin = np.zeros(3)
    target = np.array([0.0, 0.5 / reps[1], 0.0])

    def find(point: np.ndarray) -> int:
        d = (frac[li] - point + 0.5) % 1.0 - 0.5
        return li[int(np.argmin(np.linalg.norm(d, axis=1)))]

    hopper, vacancy = find(origin), find(target)
    initial = bulk.copy()
    final = bulk.copy()
    final.positions[hopper] = bulk.positions[vacancy]
    del initial[vacancy]
    del final[vacancy]
    moving = hopper - (1 if vacancy < hopper else 0)
    return HopPath(initial=initial, final=final, moving=(moving,),
                   description=f"Li vacancy hop along [010] in LiFePO4 ({'x'.join(map(str, reps))}"
                               " cell)",
                   reference_barrier=LIFEPO4_B_BARRIER_EV, reference_source=LIFEPO4_B_SOURCE)
