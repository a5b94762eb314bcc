"""The coupler-overhead benchmark's peer loop reproduces the coupler (so its timing is honest)."""

import numpy as np
import pytest

from scaleweave.bridges.timestepping.multirate import MultirateChain


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("coupler_overhead")


def _both(bench, m, k, x0, v0, n_macro=20):
    chain = MultirateChain(m, k, x0, v0, bench.MACRO_DT, bench.SUBSTEPS)
    chain.coupler.run(n_macro * bench.MACRO_DT)
    x, v = bench.peer_multirate(m, k, x0, v0, bench.MACRO_DT, bench.SUBSTEPS, n_macro)
    return chain, x, v


def test_peer_reproduces_coupler_on_the_pulse(bench):
    m, k, x0, v0 = bench.pulse_chain(200)
    chain, x, v = _both(bench, m, k, x0, v0)
    assert np.max(np.abs(x - chain.x)) <= 1e-12 * np.max(np.abs(chain.x))
    assert np.max(np.abs(v - chain.v)) <= 1e-12 * np.max(np.abs(chain.v))


def test_peer_reproduces_coupler_on_a_random_state(bench):
    # A random state loads the fast block and both interpolated interfaces from step one.
    m, k, _, _ = bench.pulse_chain(200)
    rng = np.random.default_rng(1)
    x0, v0 = rng.standard_normal(200), rng.standard_normal(200)
    chain, x, v = _both(bench, m, k, x0, v0)
    fast = next(s for s in chain.segments if s.name.startswith("fast"))
    assert np.max(np.abs(fast.x)) > 0.1  # the subcycled block really moved
    assert np.max(np.abs(x - chain.x)) <= 1e-12 * np.max(np.abs(chain.x))
    assert np.max(np.abs(v - chain.v)) <= 1e-12 * np.max(np.abs(chain.v))


def test_max_difference_reports_agreement(bench):
    m, k, x0, v0 = bench.pulse_chain(200)
    d = bench.max_difference(m, k, x0, v0, bench.MACRO_DT, bench.SUBSTEPS, 20)
    assert d["rel_diff"] <= 1e-12
    assert d["max_abs_x_m"] > 0


def test_peer_refuses_other_partitions(bench):
    m, k = np.ones(20), np.ones(21)  # uniform: one slow block, nothing to subcycle
    with pytest.raises(ValueError, match="slow\\|fast\\|slow"):
        bench.peer_multirate(m, k, np.zeros(20), np.zeros(20), 0.5, 10, 1)
