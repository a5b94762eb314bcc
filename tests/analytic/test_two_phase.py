"""Exact two-phase results: laminates (Wiener 1912; Postma 1955; Backus 1962) and the
2D checkerboard (Dykhne 1970), against their limits and the FFT engine."""

from __future__ import annotations

import numpy as np
import pytest

from scaleweave.analytic.two_phase import (
    checkerboard_conductivity,
    laminate_conductivity,
    laminate_stiffness,
)
from scaleweave.engines.continuum.fft_homogenization import (
    effective_elasticity,
    isotropic_stiffness,
)
from scaleweave.engines.geometry import microstructure as ms
from scaleweave.errors import ConfigError

K, G = [2.0, 20.0], [1.0, 9.0]


def test_laminate_conductivity_means():
    assert laminate_conductivity([0.25, 0.75], [1.0, 3.0]) == pytest.approx(
        (1 / (0.25 + 0.25), 0.25 + 2.25))
    with pytest.raises(ConfigError, match="sum to 1"):
        laminate_conductivity([0.5, 0.6], [1.0, 2.0])
    with pytest.raises(ConfigError, match="positive"):
        laminate_conductivity([0.5, 0.5], [1.0, -2.0])


@pytest.mark.parametrize("dim", [2, 3])
def test_equal_layers_are_the_phase(dim):
    c = laminate_stiffness([0.4, 0.6], [3.0, 3.0], [1.5, 1.5], dim)
    assert c == pytest.approx(isotropic_stiffness(3.0, 1.5, dim), abs=1e-12)


def test_3d_laminate_contains_the_plane_strain_one_and_is_isotropic_in_its_plane():
    c3, c2 = laminate_stiffness([0.3, 0.7], K, G, 3), laminate_stiffness([0.3, 0.7], K, G, 2)
    rows = [0, 1, 5]  # Mandel 11, 22, 12 of the 3D matrix
    assert c3[np.ix_(rows, rows)] == pytest.approx(c2, rel=1e-12)
    assert c3[1, 1] - c3[1, 2] == pytest.approx(c3[3, 3], rel=1e-12)  # C22 - C23 = 2 C2323
    assert c3[1, 1] == c3[2, 2] and c3[0, 1] == c3[0, 2] and c3[4, 4] == c3[5, 5]


def test_3d_laminate_matches_the_fft_engine():
    lam = ms.laminate((16, 4, 4), 0.25, axis=0)
    fft = effective_elasticity(lam, K, G, tol=1e-10).effective
    assert fft == pytest.approx(laminate_stiffness([0.75, 0.25], K, G, 3), rel=1e-7,
                                abs=1e-9)


def test_checkerboard():
    assert checkerboard_conductivity(2.0, 8.0) == pytest.approx(4.0)
    with pytest.raises(ConfigError):
        checkerboard_conductivity(0.0, 1.0)
