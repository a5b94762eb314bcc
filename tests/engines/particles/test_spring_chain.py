"""Spring chain engine against analytic results."""

import numpy as np
import pytest

from scaleweave.engines.particles.spring_chain import (
    chain_energy,
    chain_forces,
    chain_modes,
    max_frequency,
    modal_solution,
    verlet,
)


@pytest.mark.parametrize("n", [1, 5, 50, 400])
def test_uniform_chain_frequencies(n):
    # Fixed-fixed uniform chain: omega_j = 2 sqrt(k/m) sin(j pi / (2 (n + 1))).
    k, m = 3.0, 0.5
    omega, _ = chain_modes(np.full(n, m), np.full(n + 1, k))
    j = np.arange(1, n + 1)
    assert np.allclose(omega, 2 * np.sqrt(k / m) * np.sin(j * np.pi / (2 * (n + 1))), rtol=1e-10)
    assert max_frequency(np.full(n, m), np.full(n + 1, k)) == pytest.approx(omega[-1], rel=1e-12)


def test_forces_match_stiffness_matrix():
    rng = np.random.default_rng(1)
    n = 7
    k = rng.uniform(0.5, 5, n + 1)
    x = rng.standard_normal(n)
    K = np.diag(k[:-1] + k[1:]) - np.diag(k[1:-1], 1) - np.diag(k[1:-1], -1)
    assert np.allclose(chain_forces(x, k), -K @ x)


def test_modal_solution_is_exact_for_two_masses():
    # Two unit masses, three unit springs: modes 1 and sqrt(3) rad/s.
    m, k = np.ones(2), np.ones(3)
    x0 = np.array([1.0, 0.0])
    x, _v = modal_solution(m, k, x0, np.zeros(2), 2.0)
    c1, c3 = np.cos(2.0), np.cos(np.sqrt(3) * 2.0)
    assert np.allclose(x, [(c1 + c3) / 2, (c1 - c3) / 2], atol=1e-13)


def test_verlet_converges_to_modal_solution_at_second_order():
    rng = np.random.default_rng(3)
    m = rng.uniform(0.5, 2, 20)
    k = rng.uniform(0.5, 2, 21)
    x0 = np.sin(np.linspace(0, np.pi, 20))
    v0 = np.zeros(20)
    exact, _ = modal_solution(m, k, x0, v0, 5.0)
    errs = [np.linalg.norm(verlet(m, k, x0, v0, 5.0 / n, n)[0] - exact) for n in (200, 400, 800)]
    assert errs[0] / errs[1] == pytest.approx(4.0, rel=0.02)
    assert errs[1] / errs[2] == pytest.approx(4.0, rel=0.02)


def test_energy_conserved_and_instability_above_limit():
    m, k = np.ones(30), np.ones(31)
    x0 = np.random.default_rng(0).standard_normal(30)
    dtc = 2 / max_frequency(m, k)
    _, _, e = verlet(m, k, x0, np.zeros(30), 0.5 * dtc, 2000, record_every=10)
    assert np.max(np.abs(e / e[0] - 1)) < 0.2  # bounded (modified energy), no drift
    _, _, e = verlet(m, k, x0, np.zeros(30), 1.05 * dtc, 300, record_every=10)
    assert e[-1] / e[0] > 1e6


def test_energy_of_static_stretch():
    # One mass between two springs, displaced by 1: E = (k1 + k2) / 2.
    assert chain_energy(np.ones(1), np.array([2.0, 3.0]), np.ones(1), np.zeros(1)) == 2.5
