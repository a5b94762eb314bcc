"""Lattices for kMC: coordination numbers, symmetric neighbour tables, crystal sublattices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleweave.engines.lattice.sites import (
    STANDARD_LATTICES,
    lattice_from_atoms,
    periodic_lattice,
    standard_lattice,
)
from scaleweave.errors import ConfigError


@pytest.mark.parametrize("kind", sorted(STANDARD_LATTICES))
def test_standard_lattices_have_the_textbook_coordination(kind):
    lat = standard_lattice(kind, 4, 3e-10)
    assert lat.coordination == STANDARD_LATTICES[kind]
    assert np.all(lat.neighbors >= 0)
    lengths = np.linalg.norm(lat.displacements, axis=-1)
    np.testing.assert_allclose(lengths, 3e-10, rtol=1e-9)
    assert lat.hop_distance == pytest.approx(3e-10)
    # The neighbour relation is symmetric and the reverse slot points back.
    n, z = lat.neighbors.shape
    back = lat.neighbors[lat.neighbors, lat.reverse]
    np.testing.assert_array_equal(back, np.repeat(np.arange(n), z).reshape(n, z))
    np.testing.assert_allclose(lat.displacements[lat.neighbors, lat.reverse],
                               -lat.displacements, atol=1e-22)
    # Hop vectors of one site sum to zero on these Bravais-like lattices (honeycomb too).
    np.testing.assert_allclose(lat.displacements.sum(axis=1), 0.0, atol=1e-22)


def test_site_counts_and_volume():
    assert standard_lattice("honeycomb", 5, 1e-10).n_sites == 50
    assert standard_lattice("bcc", 3, 1e-10).n_sites == 54
    sc = standard_lattice("simple_cubic", 3, 2e-10)
    assert sc.volume == pytest.approx(27 * 8e-30)
    sq = standard_lattice("square", (3, 4), 1e-10, layer_spacing=5e-10)
    assert sq.n_sites == 12 and sq.volume == pytest.approx(12e-20 * 5e-10)


def test_lattice_from_ase_atoms():
    ase_build = pytest.importorskip("ase.build")
    lat = lattice_from_atoms(ase_build.bulk("Cu", "fcc", a=3.6, cubic=True), "Cu", repeat=3)
    assert lat.n_sites == 108 and lat.coordination == 12
    assert lat.hop_distance == pytest.approx(3.6e-10 / math.sqrt(2))
    # The Li sublattice of rocksalt LiF is fcc.
    lif = ase_build.bulk("LiF", "rocksalt", a=4.0, cubic=True)
    assert lattice_from_atoms(lif, "Li", repeat=3).coordination == 12
    with pytest.raises(ConfigError, match="no 'Na' atoms"):
        lattice_from_atoms(lif, "Na")


def test_too_small_supercell_and_bad_input():
    with pytest.raises(ConfigError, match="too small"):
        standard_lattice("square", 2, 1e-10)
    with pytest.raises(ConfigError, match="unknown lattice"):
        standard_lattice("kagome", 4, 1e-10)
    with pytest.raises(ConfigError, match="positive"):
        standard_lattice("square", 4, -1.0)
    with pytest.raises(ConfigError, match="no neighbours"):
        periodic_lattice(np.eye(3), [[0, 0, 0]], 4, 0.5)
