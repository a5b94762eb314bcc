"""The steady 2D point source with decay: K0, checked against its differential equation."""

import numpy as np
import pytest
from scipy.special import k0

from scaleweave.analytic.point_source import point_source_2d


def test_is_q_k0_over_2_pi_d():
    r = np.array([0.5, 1.0, 3.0])
    D, k, q = 4.0, 1.0, 2.5  # lambda = 2
    np.testing.assert_allclose(point_source_2d(r, q, D, k), q * k0(r / 2.0) / (8 * np.pi))


def test_solves_the_radial_equation_and_carries_the_source_flux():
    D, k, q = 3.0, 0.5, 1.0
    r = np.linspace(1.0, 5.0, 4001)
    c = point_source_2d(r, q, D, k)
    dr = r[1] - r[0]
    d1 = np.gradient(c, dr)
    d2 = np.gradient(d1, dr)
    # D (c'' + c'/r) - k c = 0 away from the source
    residual = D * (d2 + d1 / r) - k * c
    assert np.max(np.abs(residual[5:-5])) < 1e-5 * np.max(k * c)
    # near the source the flux through a small circle is q: -2 pi r D c'(r) -> q
    eps = 1e-6
    flux = -2 * np.pi * eps * D * (point_source_2d(eps * 1.001, q, D, k)
                                   - point_source_2d(eps, q, D, k)) / (eps * 0.001)
    assert flux == pytest.approx(q, rel=1e-3)
