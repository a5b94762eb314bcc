"""Establishment of a low-dose infection: the branching-process closed form."""

import numpy as np
import pytest

from scaleweave.analytic.branching import branching_establishment, infection_r0


def test_r0_and_the_infection_probability_of_one_virion():
    f, r0 = infection_r0(3.0, 1.0, 8.0, 2.0)
    assert f == pytest.approx(0.75)
    assert r0 == pytest.approx(8.0 * 0.75 / 2.0)


def test_closed_form_cases():
    assert branching_establishment(1, 1.0, 1.0, 6.0, 1.0) == pytest.approx(1 / 3)
    assert branching_establishment(3, 1.0, 1.0, 6.0, 1.0) == pytest.approx(1 - (2 / 3) ** 3)
    assert branching_establishment(5, 1.0, 1.0, 1.0, 1.0) == 0.0  # R0 = 1/2: subcritical
    assert branching_establishment(1, 1.0, 1.0, 2.0, 1.0) == 0.0  # R0 = 2 * 1/2 = 1: critical


def test_against_a_simulated_branching_process():
    # One virion; each producing cell makes Geometric(delta/(p+delta)) - 1 virions, each
    # infecting with probability f. Generations until extinction or 200 infected cells.
    beta_n, c, p, delta = 2.0, 1.0, 3.0, 1.0  # f = 2/3, R0 = 2
    rng = np.random.default_rng(1)
    n_runs, established = 4000, 0
    f = beta_n / (beta_n + c)
    for _ in range(n_runs):
        cells = int(rng.random() < f)
        total = cells
        while 0 < cells and total < 200:
            virions = rng.geometric(delta / (p + delta), size=cells).sum() - cells
            cells = rng.binomial(virions, f)
            total += cells
        established += cells > 0
    expected = branching_establishment(1, beta_n, c, p, delta)
    assert expected == pytest.approx(2 / 3 * (1 - 1 / 2))
    se = np.sqrt(expected * (1 - expected) / n_runs)
    assert established / n_runs == pytest.approx(expected, abs=4 * se)
