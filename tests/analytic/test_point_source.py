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


def test_3d_solves_the_radial_equation_and_carries_the_source_flux():
    from scaleweave.analytic.point_source import point_source_3d

    D, k, q = 3.0, 0.5, 1.0
    r = np.linspace(1.0, 5.0, 4001)
    c = point_source_3d(r, q, D, k)
    dr = r[1] - r[0]
    d1 = np.gradient(c, dr)
    d2 = np.gradient(d1, dr)
    # D (c'' + 2 c'/r) - k c = 0 away from the source
    residual = D * (d2 + 2 * d1 / r) - k * c
    assert np.max(np.abs(residual[5:-5])) < 1e-4 * np.max(k * c)  # O(dr^2) differences
    # the flux through a small sphere is q: -4 pi r^2 D c'(r) -> q
    eps = 1e-6
    flux = -4 * np.pi * eps**2 * D * (point_source_3d(eps * 1.001, q, D, k)
                                      - point_source_3d(eps, q, D, k)) / (eps * 0.001)
    assert flux == pytest.approx(q, rel=1e-3)


def test_box_images_solve_the_equation_with_zero_flux_walls():
    from scaleweave.analytic.point_source import point_source_3d, point_source_box_3d

    D, k, q = 2.0, 1.0, 1.0  # lambda = 1.41, a box of a few lambda
    box, src = np.array([6.0, 5.0, 1.5]), np.array([2.0, 2.5, 0.5])
    e = 1e-3
    p = np.array([3.1, 1.7, 0.9])
    # mirror symmetry about every wall: zero normal derivative there
    for axis in range(3):
        for wall in (0.0, box[axis]):
            x = p.copy()
            x[axis] = wall
            step = e * np.eye(3)[axis]
            lo, hi = point_source_box_3d([x - step, x + step], src, box, q, D, k)
            assert hi == pytest.approx(lo, rel=1e-10)
    # D lap(c) - k c = 0 away from the source (7-point second differences)
    pts = [p] + [p + s * e * np.eye(3)[a] for a in range(3) for s in (1, -1)]
    c = point_source_box_3d(pts, src, box, q, D, k)
    lap = (c[1:].sum() - 6 * c[0]) / e**2
    assert D * lap - k * c[0] == pytest.approx(0.0, abs=1e-5 * k * c[0])
    # the walls add to the free field: more than it, and the floor doubles it nearby
    assert c[0] > point_source_3d(np.linalg.norm(p - src), q, D, k)
    near = point_source_box_3d([[30.0, 25.1, 0.0]], [30.0, 25.0, 0.0], [60.0, 50.0, 60.0],
                               q, D, k)[0]
    assert near == pytest.approx(2 * float(point_source_3d(0.1, q, D, k)), rel=1e-12)
    # far from every wall (a box much larger than lambda) it is the free field
    big = np.array([100.0, 100.0, 100.0])
    mid = big / 2
    near_mid = mid + np.array([1.0, 0.0, 0.0])
    assert point_source_box_3d([near_mid], mid, big, q, D, k)[0] == pytest.approx(
        float(point_source_3d(1.0, q, D, k)), rel=1e-12)
