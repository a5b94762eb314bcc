"""Rayleigh's multipole solution for the square array of cylinders, against exact results."""

import math

import numpy as np
import pytest
from scipy.special import gamma

from scaleweave.analytic.rayleigh import square_array_conductivity, square_lattice_sums
from scaleweave.errors import ConfigError


def _direct_sum(n: int, reach: int = 60) -> float:
    """Lattice sum by brute force (absolutely convergent for n >= 3)."""
    i, j = np.meshgrid(np.arange(-reach, reach + 1), np.arange(-reach, reach + 1))
    z = (i + 1j * j).ravel()
    z = z[z != 0]
    return float(np.sum(z ** (-n)).real)


def test_lattice_sums():
    s = square_lattice_sums(16)
    # Closed form of S_4 for the square lattice (e.g. Perrins et al. 1979, eq. 14).
    assert s[4] == pytest.approx(gamma(0.25) ** 8 / (960 * math.pi**2), rel=1e-14)
    assert s[4] == pytest.approx(3.15121, abs=1e-5)  # Rayleigh's 0.305827 = 3 S_4^2/pi^4
    assert 3 * s[4] ** 2 / math.pi**4 == pytest.approx(0.305827, abs=1e-6)
    for n in (8, 12, 16):
        assert s[n] == pytest.approx(_direct_sum(n), rel=1e-9)
    assert s[6] == 0.0 and s[10] == 0.0 and s[2] == math.pi


@pytest.mark.parametrize("f", [0.05, 0.1, 0.2, 0.3])
def test_reduces_to_rayleighs_formula_at_low_fraction(f):
    """Rayleigh (1892) as written by Perrins et al. (1979): exact to O(f^8) terms."""
    t = 11.0 / 9.0  # (c + 1)/(c - 1) at c = 10
    formula = 1 + 2 * f / (t - f - 0.305827 * f**4 * t / (t * t - 1.402958 * f**8)
                           - 0.013362 * f**8)
    assert square_array_conductivity(f, 10.0) == pytest.approx(formula, rel=2e-6)


def test_dilute_limit_is_maxwell_garnett():
    beta, f = 9.0 / 11.0, 1e-4
    mg = 1 + 2 * f * beta / (1 - f * beta)
    assert square_array_conductivity(f, 10.0) == pytest.approx(mg, rel=1e-12)


@pytest.mark.parametrize("f", [0.2, 0.5, 0.7, 0.78])
@pytest.mark.parametrize("c", [3.0, 10.0, 50.0])
def test_keller_reciprocity_holds_exactly(f, c):
    """Keller (1964): sigma*(c) sigma*(1/c) = 1 for the square array."""
    prod = square_array_conductivity(f, c) * square_array_conductivity(f, 1 / c)
    assert prod == pytest.approx(1.0, abs=1e-10)


def test_converges_with_order_and_is_monotone():
    vals = [square_array_conductivity(0.7, 10.0, order) for order in (11, 21, 41, 61)]
    assert abs(vals[-1] - vals[-2]) < 1e-10
    assert abs(vals[1] - vals[-1]) < 1e-5
    fs = np.linspace(0.0, 0.75, 16)
    sig = [square_array_conductivity(f, 10.0) for f in fs]
    assert np.all(np.diff(sig) > 0) and sig[0] == 1.0


def test_bad_input():
    with pytest.raises(ConfigError, match="pi/4"):
        square_array_conductivity(0.8, 10.0)
    with pytest.raises(ConfigError, match="contrast"):
        square_array_conductivity(0.3, -1.0)
