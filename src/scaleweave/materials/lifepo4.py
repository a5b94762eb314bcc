"""Olivine LiFePO4: the experimental crystal structure, shared by the NEB and kMC scales.

Pnma (No. 62) Wyckoff positions of Streltsov et al. (1993), Acta Cryst. B 49, 147
(rounded), lattice parameters in Angstrom. The Li sites form one-dimensional
channels along b (nearest Li-Li 3.005 Angstrom along b; the next Li is 5.7
Angstrom away in another channel).
"""

from __future__ import annotations

from typing import Any

__all__ = ["LIFEPO4_BASIS", "LIFEPO4_CELL", "LIFEPO4_SPACEGROUP", "lifepo4_unit_cell"]

#: Orthorhombic lattice parameters a, b, c (Angstrom).
LIFEPO4_CELL = (10.332, 6.010, 4.692)
#: Symbol and fractional Wyckoff position of each inequivalent site.
LIFEPO4_BASIS = (("Li", (0.0, 0.0, 0.0)), ("Fe", (0.2822, 0.25, 0.9747)),
                 ("P", (0.0949, 0.25, 0.4182)), ("O", (0.0968, 0.25, 0.7428)),
                 ("O", (0.4571, 0.25, 0.2066)), ("O", (0.1656, 0.0465, 0.2848)))
#: International space-group number (Pnma).
LIFEPO4_SPACEGROUP = 62


def lifepo4_unit_cell() -> Any:
    """The 28-atom conventional cell (4 formula units) as :class:`ase.Atoms`.

    Examples
    --------
    >>> atoms = lifepo4_unit_cell()
    >>> atoms.get_chemical_formula()
    'Fe4Li4O16P4'
    """
    from ase.spacegroup import crystal

    return crystal([s for s, _ in LIFEPO4_BASIS], basis=[b for _, b in LIFEPO4_BASIS],
                   spacegroup=LIFEPO4_SPACEGROUP, cellpar=[*LIFEPO4_CELL, 90, 90, 90])
