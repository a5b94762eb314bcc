"""Occupancy likelihood with detection, and latent-scale selection, against exact values."""

import math

import numpy as np
import pytest
from scipy.special import expit

from scaleweave.bridges.inference.occupancy import (
    detection_loglik,
    fit_scale_selection,
    make_sampler,
    simulate_detections,
)
from scaleweave.errors import ConfigError, ValidityError, ValidityWarning


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


def _survey(seed, true_scale=1, n_sites=100, n_species=8):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=n_sites)
    # Three candidate scales, neighbours correlated 0.6 like nested buffers.
    cov = np.stack([0.6 * base + 0.8 * rng.normal(size=n_sites), base,
                    0.6 * base + 0.8 * rng.normal(size=n_sites)])
    env = 0.5 * cov[true_scale] + rng.normal(size=n_sites)  # confounded with the truth
    b_cov = rng.normal(1.2, 0.2, n_species)
    psi = expit(0.3 + 0.5 * env[:, None] + b_cov * cov[true_scale][:, None])
    y, _ = simulate_detections(psi, np.full(n_species, 0.5), 3, rng)
    return y, cov, env


def test_latent_scale_is_recovered_with_its_weight():
    """Bayesian latent indicator scale selection (Stuber, Gruber & Fontaine 2017): with a
    strong effect the true scale takes nearly all posterior weight and the community
    effect's 95% interval covers its true mean (1.2)."""
    y, cov, env = _survey(0)
    fit = fit_scale_selection(y, 3, cov, np.array([100.0, 500.0, 2500.0]), env, chains=2,
                              warmup=200, draws=200, seed=0)
    assert fit.selected == 500.0
    assert fit.weights[1] > 0.95
    assert fit.weights.sum() == pytest.approx(1.0)
    _mean, lo, hi = fit.interval("mu_cov")
    assert lo < 1.2 < hi
    assert fit.diagnostics["divergences"] == 0
    assert fit.diagnostics["max_rhat"] < 1.05
    assert [v.diagnostic for v in fit.validity()] == [
        "max R-hat", "min bulk ESS", "min tail ESS", "divergent transitions"]


def test_bad_input_names_what_is_wrong():
    y, cov, _env = _survey(1, n_sites=30, n_species=2)
    scales = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match=r"must be \(scales=2, sites=30\)"):
        fit_scale_selection(y, 3, cov, scales[:2])
    bad = cov.copy()
    bad[2, 7] = np.nan
    with pytest.raises(ConfigError, match=r"non-finite covariate at \(scale, site\) \[\(2, 7\)"):
        fit_scale_selection(y, 3, bad, scales)
    with pytest.raises(ConfigError, match=r"detections must lie in \[0, 2\]"):
        fit_scale_selection(y, 2, cov, scales)
    with pytest.raises(ConfigError, match="prior"):
        fit_scale_selection(y, 3, cov, scales, prior=np.array([0.5, 0.5, 0.5]))


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


def test_too_short_a_run_is_recorded_warned_or_raised():
    """40 draws cannot give the 200 effective draws of two chains: the bulk ESS fails,
    recorded in validity() by default, a warning or an error as the policy says."""
    y, cov, env = _survey(1, n_sites=30, n_species=2)
    scales = np.array([1.0, 2.0, 3.0])
    sampler = make_sampler(2, 20, 20)
    fit = fit_scale_selection(y, 3, cov, scales, env, mcmc=sampler)
    assert "min bulk ESS" in {v.diagnostic for v in fit.validity() if not v.ok}
    with pytest.warns(ValidityWarning, match="'scale selection': min bulk ESS"):
        fit_scale_selection(y, 3, cov, scales, env, mcmc=sampler, validity="warn")
    with pytest.raises(ValidityError, match="min bulk ESS"):
        fit_scale_selection(y, 3, cov, scales, env, mcmc=sampler, validity="raise")
    with pytest.raises(ConfigError, match="validity policy"):
        fit_scale_selection(y, 3, cov, scales, env, validity="loud")


def test_occupancy_fit_takes_the_validity_policy():
    from scaleweave.bridges.inference.occupancy import fit_occupancy
    from scaleweave.cases.ecology_scaling.data import simulate_nested_occupancy

    nest = simulate_nested_occupancy(np.random.default_rng(4), 10, 4, 4, 0.6, 0.3, 0.8, 0.5)
    with pytest.raises(ConfigError, match="validity policy"):  # checked before sampling
        fit_occupancy(nest["y"], 4, group=nest["plot"], validity="loud")
    with pytest.warns(ValidityWarning, match="'occupancy': min bulk ESS"):
        fit_occupancy(nest["y"], 4, group=nest["plot"], warmup=20, draws=20, validity="warn")
