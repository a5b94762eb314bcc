"""Multi-rate bridge: partition, agreement with the exact solution, second order."""

import numpy as np
import pytest

from scaleweave.bridges.timestepping.multirate import (
    STABILITY_MARGIN,
    MultirateChain,
    local_step_limits,
    multirate_energy_bound,
    multirate_step_matrix,
    partition_chain,
)
from scaleweave.core.waveform import HoldWaveform
from scaleweave.engines.particles.spring_chain import (
    build_chain,
    chain_energy,
    max_frequency,
    modal_solution,
    verlet_energy_error_bound,
)
from scaleweave.errors import StabilityError


def setup(n=60, ratio=100.0):
    m, k, _ = build_chain(n, 0.1, ratio, 1.0, 1.0)
    i = np.arange(n)
    x0 = np.exp(-(((i - n / 4) / 5.0) ** 2))
    return m, k, x0, np.zeros(n)


def test_local_limits_bound_the_true_limit():
    m, k, _, _ = setup()
    for a, b, _ in partition_chain(m, k, 0.5):
        block_limit = 2 / max_frequency(m[a:b], k[a:b + 1])
        assert local_step_limits(m[a:b], k[a:b + 1]).min() <= block_limit * (1 + 1e-12)


def test_partition_separates_stiff_block():
    m, k, _, _ = setup()
    blocks = partition_chain(m, k, 0.5)
    assert [b[2] for b in blocks] == [False, True, False]
    stiff_springs = np.flatnonzero(k > 1)
    a, b, _ = blocks[1]
    assert a == stiff_springs[0] - 1 and b == stiff_springs[-1] + 1


def test_multirate_matches_exact_and_is_second_order():
    m, k, x0, v0 = setup()
    T = 20.0
    exact, _ = modal_solution(m, k, x0, v0, T)
    dtc = 2 / max_frequency(m, k)
    blocks = partition_chain(m, k, 0.4)
    errs = []
    for H in (0.4, 0.1, 0.05, 0.025):  # stiff modes reach the asymptotic regime below 0.1
        chain = MultirateChain(m, k, x0, v0, H, 8, blocks=blocks)
        chain.coupler.run(T)
        errs.append(np.linalg.norm(chain.x - exact) / np.linalg.norm(x0))
    assert 0.4 > 3 * dtc  # far above the single-rate limit
    assert errs[0] < 0.05
    assert errs[2] / errs[3] == pytest.approx(4.0, rel=0.05)


def test_hermite_interpolation_also_works():
    m, k, x0, v0 = setup()
    exact, _ = modal_solution(m, k, x0, v0, 10.0)
    chain = MultirateChain(m, k, x0, v0, 0.2, 8, interpolation="hermite")
    chain.coupler.run(10.0)
    assert np.linalg.norm(chain.x - exact) / np.linalg.norm(x0) < 0.02


def test_too_few_substeps_refused():
    m, k, x0, v0 = setup()
    chain = MultirateChain(m, k, x0, v0, 0.5, 3)
    with pytest.raises(StabilityError, match="at least 5 substeps"):
        chain.coupler.run(1.0)


def test_validity_reports_step_over_limit():
    m, k, x0, v0 = setup()
    chain = MultirateChain(m, k, x0, v0, 0.5, 10)
    v = chain.validity()
    assert len(v) == 3 and all(d.ok for d in v)
    assert all(0 < d.value < 1 for d in v)
    assert all(d.limit == STABILITY_MARGIN == 0.95 for d in v)


def _energy_error(m, k, chain, t_end):
    energies = []
    chain.coupler.run(t_end, observe=lambda t, c: energies.append(
        chain_energy(m, k, chain.x, chain.v)))
    e = np.asarray(energies)
    return float(np.max(np.abs(e / e[0] - 1)))


@pytest.mark.parametrize(("n", "ratio", "macro_dt", "substeps"),
                         [(60, 100.0, 0.5, 10), (60, 400.0, 0.5, 10), (40, 50.0, 0.3, 3)])
def test_step_matrix_is_the_coupled_scheme(n, ratio, macro_dt, substeps):
    m, k, x0, v0 = setup(n, ratio)
    blocks = partition_chain(m, k, macro_dt)
    step = multirate_step_matrix(m, k, blocks, macro_dt, substeps)
    chain = MultirateChain(m, k, x0, v0, macro_dt, substeps, blocks=blocks)
    chain.coupler.run(7 * macro_dt)
    z = np.linalg.matrix_power(step, 7) @ np.concatenate([x0, v0])
    np.testing.assert_allclose(np.concatenate([chain.x, chain.v]), z, rtol=0, atol=1e-12)


def test_energy_bound_is_the_modal_bound_in_the_single_rate_limit():
    m, k, _ = build_chain(50, 0.2, 3.0, 1.0, 1.0)
    x0 = np.exp(-(((np.arange(50) - 12) / 4.0) ** 2))
    bound, radius = multirate_energy_bound(m, k, x0, np.zeros(50), [(0, 50, False)], 0.5, 1,
                                           100)
    # Verlet from rest: each mode's energy error is at most (omega H)^2 / 4 (HLW 2006)
    assert bound == pytest.approx(verlet_energy_error_bound(m, k, x0, 0.5), rel=1e-9)
    assert radius == pytest.approx(1.0, abs=1e-12)


def test_energy_bound_of_the_scheme_integrated_can_fail():
    # 60 masses, stiffness ratio 400, the multirate case's pulse (width 6, a quarter
    # along): the stiff block runs at 0.975 of its own limit.
    m, k, _, v0 = setup(60, 400.0)
    x0 = np.exp(-(((np.arange(60) - 15) / 6.0) ** 2))
    blocks = partition_chain(m, k, 0.5)
    t_end = 60.0
    bound, radius = multirate_energy_bound(m, k, x0, v0, blocks, 0.5, 10, 120)
    old = verlet_energy_error_bound(m, k, x0, 0.5)  # the macro step on every mode
    assert old == pytest.approx(9.585, rel=1e-3)  # a 958% "bound": nothing fails it
    assert bound == pytest.approx(0.1212, rel=1e-3)
    assert radius == pytest.approx(1.0, abs=1e-12)
    correct = _energy_error(m, k, MultirateChain(m, k, x0, v0, 0.5, 10, blocks=blocks), t_end)
    assert correct == pytest.approx(0.084, rel=0.01)
    assert correct <= bound

    class Frozen(HoldWaveform):  # a broken coupling: slow neighbours held at t0
        def covers(self, t):
            return True

    broken = MultirateChain(m, k, x0, v0, 0.5, 10, blocks=blocks)
    fast = broken.segments[1]
    advance = fast.advance
    fast.advance = lambda t0, t1, boundary: advance(
        t0, t1, {port: Frozen(t0, w.at(t0)) for port, w in boundary.items()})
    wrong = _energy_error(m, k, broken, t_end)
    assert bound < wrong < old
    assert wrong == pytest.approx(0.170, rel=0.01)
    # and the validity entry warns: the subcycled block is within 5% of its limit
    (entry,) = [v for v in broken.validity() if "subcycled" in v.diagnostic]
    assert entry.value == pytest.approx(0.9749, abs=1e-4) and not entry.ok


def test_a_coupling_resonance_is_found_and_grows_in_the_coupler():
    # H = 0.82 with 10 substeps: the one-step map has an eigenvalue outside the circle
    m, k, _, _ = setup(100, 100.0)
    blocks = partition_chain(m, k, 0.82)
    step = multirate_step_matrix(m, k, blocks, 0.82, 10)
    lam, w = np.linalg.eig(step)
    j = int(np.argmax(np.abs(lam)))
    assert abs(lam[j]) == pytest.approx(1.00384, abs=1e-5)
    z = np.real(w[:, j] * np.exp(0.3j))
    n = m.size
    chain = MultirateChain(m, k, z[:n], z[n:], 0.82, 10, blocks=blocks)
    e0 = chain_energy(m, k, chain.x, chain.v)
    chain.coupler.run(400 * 0.82)
    growth = (chain_energy(m, k, chain.x, chain.v) / e0) ** (1 / 800)
    assert growth == pytest.approx(abs(lam[j]), abs=2e-4)

