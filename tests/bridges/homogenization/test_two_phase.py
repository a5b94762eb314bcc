"""Two-phase cells and their FFT bridges: geometry, checks, exact limits, and the pixel
allowances against the continuum (multipole: Perrins, McKenzie & McPhedran 1979;
checkerboard: Dykhne 1970)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleweave.analytic.rayleigh import square_array_conductivity
from scaleweave.analytic.two_phase import laminate_conductivity, laminate_stiffness
from scaleweave.bridges.homogenization.two_phase import (
    TwoPhaseCell,
    TwoPhaseConductivityModel,
    TwoPhaseElasticityModel,
    checkerboard_allowance,
    isotropic_moduli_from_young,
    square_array_allowance,
)
from scaleweave.engines.continuum.fft_homogenization import effective_conductivity
from scaleweave.engines.geometry import microstructure as ms
from scaleweave.errors import ConfigError


@pytest.mark.parametrize(("cell", "match"), [
    (TwoPhaseCell("hexagons"), "'microstructure' = 'hexagons'"),
    (TwoPhaseCell(dim=4), "'dim' = 4"),
    (TwoPhaseCell("checkerboard", 0.4), "set fraction=0.5"),
    (TwoPhaseCell("checkerboard", 0.5, 30), "multiple of 4"),
    (TwoPhaseCell("cylinders", 0.79), "touch"),
    (TwoPhaseCell("random", 0.4, dim=3), "jamming"),
    (TwoPhaseCell("laminate", 0.02, 32), "layer empty"),
    (TwoPhaseCell(resolution=4), "at least 8"),
])
def test_bad_cells_name_the_parameter(cell, match):
    with pytest.raises(ConfigError, match=match):
        cell.check()


def test_random_placement_that_cannot_be_done_names_both_parameters():
    with pytest.raises(ConfigError, match=r"'fraction' = 0\.54, 'inclusion_radius' = 0\.05"):
        TwoPhaseCell("random", 0.54, 32, inclusion_radius=0.05).phases()


def test_geometry_of_each_microstructure():
    assert TwoPhaseCell("laminate", 0.3, 80).pixel_fraction() == pytest.approx(0.3)
    assert TwoPhaseCell("checkerboard", 0.5, 16, dim=3).pixel_fraction() == 0.5
    fibres = TwoPhaseCell("cylinders", 0.3, 16, dim=3).phases()
    assert fibres.shape == (16, 16, 16) and np.all(fibres == fibres[:, :, :1])
    assert np.array_equal(fibres[:, :, 0], ms.inclusion_array((16, 16), 0.3))
    # the random cell keeps its centres on another grid (same seed)
    fine, coarse = TwoPhaseCell("random", 0.3, 128), TwoPhaseCell("random", 0.3, 128).at(64)
    assert abs(fine.pixel_fraction() - coarse.pixel_fraction()) < 0.01
    assert TwoPhaseCell("random", 0.3, 64, realisation=1).pixel_fraction() != \
        fine.at(64).pixel_fraction()


def test_size_validity():
    cyl = TwoPhaseCell("cylinders", 0.7, 64)  # the gap: 64 (1 - 2 sqrt(0.7/pi)) = 3.6 px
    (res,) = cyl.size_validity()
    assert res.value == pytest.approx(64 * (1 - 2 * math.sqrt(0.7 / math.pi)))
    assert not res.ok
    sep, res = TwoPhaseCell("random", 0.3, 64, inclusion_radius=0.15).size_validity()
    assert sep.value == pytest.approx(1 / 0.3) and not sep.ok and res.ok


def test_models_are_exact_on_a_laminate():
    cell = TwoPhaseCell("laminate", 0.25, 32)
    k = TwoPhaseConductivityModel(cell=cell).evaluate(
        {"conductivity_matrix": 1.0, "conductivity_inclusion": 50.0})
    across, along = laminate_conductivity([0.75, 0.25], [1.0, 50.0])
    assert np.diag(k["conductivity"]) == pytest.approx([across, along], rel=1e-8)
    assert k["flux_x"].shape == (32, 32) and k["residual"] <= 1e-8
    model = TwoPhaseElasticityModel(cell=cell)
    c = model.evaluate({"young_matrix": 3e9, "poisson_matrix": 0.35,
                        "young_inclusion": 72e9, "poisson_inclusion": 0.22})
    kg = [isotropic_moduli_from_young(3e9, 0.35), isotropic_moduli_from_young(72e9, 0.22)]
    exact = laminate_stiffness([0.75, 0.25], [x[0] for x in kg], [x[1] for x in kg])
    assert c["stiffness"] == pytest.approx(exact, rel=1e-6, abs=1e-6 * exact.max())
    assert model.diagnose(c)[0].ok


@pytest.mark.parametrize(("fraction", "contrast", "n"), [
    (0.3, 10.0, 64), (0.55, 1000.0, 64), (0.65, 0.001, 96), (0.7, 1e4, 256)])
def test_square_array_error_stays_inside_its_allowance(fraction, contrast, n):
    """The calibration's worst points: the error is at most 0.72 of the allowance."""
    phases = ms.inclusion_array((n, n), fraction)
    k = effective_conductivity(phases, [1.0, contrast], tol=1e-9, maxiter=20000).effective
    error = abs(k[0, 0] / square_array_conductivity(phases.mean(), contrast) - 1)
    allowed = square_array_allowance(fraction, contrast, n)
    assert 0.02 * allowed < error <= 0.75 * allowed


@pytest.mark.parametrize(("contrast", "n"), [(3.0, 32), (10.0, 64), (0.01, 64), (1000.0, 32)])
def test_checkerboard_error_follows_its_corner_law(contrast, n):
    """Error = A(c) n^(-4 lambda), A at 0.5-0.9 of its envelope: tight, not vacuous."""
    k = effective_conductivity(ms.checkerboard((n, n)), [1.0, contrast], tol=1e-10,
                               maxiter=50000).effective
    error = abs(k[0, 0] / math.sqrt(contrast) - 1)
    allowed = checkerboard_allowance(contrast, n)
    assert 0.4 * allowed < error <= 0.92 * allowed


def test_allowances_vanish_without_contrast_and_shrink_with_the_grid():
    assert square_array_allowance(0.3, 1.0, 64) == 0.0
    assert checkerboard_allowance(1.0, 64) == 0.0
    assert square_array_allowance(0.3, 10.0, 256) < square_array_allowance(0.3, 10.0, 64)
    assert checkerboard_allowance(10.0, 256) < checkerboard_allowance(10.0, 64)
    assert checkerboard_allowance(2e3, 64) is None and checkerboard_allowance(5e-4, 64) is None


def test_moduli_from_young():
    assert isotropic_moduli_from_young(200e9, 0.3) == pytest.approx((200e9 / 1.2, 200e9 / 2.6))
    with pytest.raises(ConfigError):
        isotropic_moduli_from_young(1.0, 0.5)
