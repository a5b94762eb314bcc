"""Multi-rate bridge: partition, agreement with the exact solution, second order."""

import numpy as np
import pytest

from scaleweave.bridges.timestepping.multirate import (
    MultirateChain,
    local_step_limits,
    partition_chain,
)
from scaleweave.engines.particles.spring_chain import build_chain, max_frequency, modal_solution
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
