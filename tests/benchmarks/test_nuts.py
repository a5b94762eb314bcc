"""The NUTS benchmark's inputs: seeded radon-like data shaped like Gelman & Hill's (2007)."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("nuts")


def test_radon_data_is_seeded_and_shaped_like_minnesota(bench):
    d = bench.radon_data()
    # Minnesota radon (Gelman & Hill 2007, ch. 12): 919 houses in 85 counties.
    assert d["y"].size == 919 and d["n_counties"] == 85
    counts = np.bincount(d["county"], minlength=85)
    assert counts.min() >= 1 and counts.max() > 20 * counts.min()  # very unequal counties
    np.testing.assert_array_equal(bench.radon_data()["y"], d["y"])


def test_min_ess_of_independent_draws_is_near_their_number(bench):
    pytest.importorskip("arviz")
    draws = np.random.default_rng(0).normal(size=(4, 1000, 3))
    ess = bench._min_ess({"a": draws})
    assert 3000 < ess < 5000  # 4000 independent draws
