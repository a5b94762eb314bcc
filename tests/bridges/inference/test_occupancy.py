"""Occupancy likelihood with detection and the nested single-species fit, against exact values.

The multi-species fit with a latent scale: ``test_scale_selection.py``.
"""

import math

import numpy as np
import pytest
from scipy.special import expit

from scaleweave.bridges.inference.occupancy import detection_loglik, simulate_detections
from scaleweave.errors import ConfigError, ValidityWarning


@pytest.mark.parametrize("n_visits", [1, 3, 5])
def test_loglik_sums_occupancy_out_exactly(n_visits):
    """MacKenzie et al. (2002), eq. 1: P(y) = psi p^y (1-p)^(J-y) + 1[y=0] (1 - psi),
    here by enumerating z in {0, 1}, binomial coefficient left out."""
    rng = np.random.default_rng(1)
    lpsi, lp = rng.normal(size=20), rng.normal(size=20)
    y = rng.integers(0, n_visits + 1, 20)
    psi, p = expit(lpsi), expit(lp)
    exact = np.log(psi * p**y * (1 - p) ** (n_visits - y) + (y == 0) * (1 - psi))
    np.testing.assert_allclose(detection_loglik(y, n_visits, lpsi, lp), exact, rtol=1e-12)


def test_simulated_naive_occupancy_is_psi_times_detectability():
    """Seen at least once: psi [1 - (1 - p)^J]; MacKenzie design psi=0.6, p=0.3, J=4 gives
    0.456 (issue 7's naive value)."""
    rng = np.random.default_rng(2)
    n = 200_000
    y, z = simulate_detections(np.full((n, 1), 0.6), np.array([0.3]), 4, rng)
    naive = np.mean(y > 0)
    expected = 0.6 * (1 - 0.7**4)
    assert expected == pytest.approx(0.456, abs=5e-4)
    assert abs(naive - expected) < 4 * math.sqrt(expected * (1 - expected) / n)
    assert np.all(y[z == 0] == 0)


def test_hierarchical_occupancy_recovers_gradient_and_mean_psi():
    """Quadrats nested in plots (plot sd 0.5 on the logit scale), a gradient effect 0.8,
    p = 0.3 over 4 visits: the posterior covers the simulation's truth (MacKenzie et al.
    2002 likelihood, plots partially pooled)."""
    from scaleweave.bridges.inference.occupancy import fit_occupancy
    from scaleweave.cases.ecology_scaling.data import simulate_nested_occupancy

    nest = simulate_nested_occupancy(np.random.default_rng(4), 30, 8, 4, 0.6, 0.3, 0.8, 0.5)
    fit = fit_occupancy(nest["y"], 4, covariates=nest["x"][:, None], group=nest["plot"],
                        warmup=300, draws=300, seed=0)
    _m, lo, hi = fit.interval("beta", 0)
    assert lo < 0.8 < hi and lo > 0
    _m, lo, hi = fit.interval("psi_mean")
    assert lo < nest["psi"].mean() < hi
    assert np.mean(nest["y"] > 0) < lo  # the naive share is biased low
    assert fit.diagnostics["divergences"] == 0
    with pytest.raises(ConfigError, match="non-finite covariates at sites"):
        fit_occupancy(nest["y"], 4, covariates=np.full(nest["y"].size, np.nan))


def test_occupancy_fit_takes_the_validity_policy():
    from scaleweave.bridges.inference.occupancy import fit_occupancy
    from scaleweave.cases.ecology_scaling.data import simulate_nested_occupancy

    nest = simulate_nested_occupancy(np.random.default_rng(4), 10, 4, 4, 0.6, 0.3, 0.8, 0.5)
    with pytest.raises(ConfigError, match="validity policy"):  # checked before sampling
        fit_occupancy(nest["y"], 4, group=nest["plot"], validity="loud")
    with pytest.warns(ValidityWarning, match="'occupancy': min bulk ESS"):
        fit_occupancy(nest["y"], 4, group=nest["plot"], warmup=20, draws=20, validity="warn")
