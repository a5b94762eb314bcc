"""Multi-species occupancy with a latent scale: exact likelihood, exact reparameterisation,
recovery of the simulated scale, and the validity policy.

References: MacKenzie et al. (2002), Ecology 83:2248 (the occupancy likelihood, eq. 1);
Stuber, Gruber & Fontaine (2017), Landscape Ecol. 32:2365 (latent-indicator scale
selection); Dorazio & Royle (2005), JASA 100:389 (community hierarchy).
"""

import numpy as np
import pytest
from scipy.special import expit

pytest.importorskip("numpyro")

from scaleweave.bridges.inference.occupancy import detection_loglik, simulate_detections
from scaleweave.bridges.inference.scale_selection import (
    COMMUNITY_PRIORS,
    community_means,
    community_statistics,
    fit_scale_selection,
    make_sampler,
    scale_loglik,
    zero_sum_basis,
)
from scaleweave.errors import ConfigError, ValidityError, ValidityWarning


@pytest.mark.parametrize("n_visits", [1, 3, 5])
def test_scale_loglik_is_the_sum_of_the_cell_likelihoods(n_visits):
    """The sufficient-statistic form equals sum_ik detection_loglik at every scale
    (MacKenzie et al. 2002, eq. 1, occupancy summed out), including extreme logits."""
    rng = np.random.default_rng(3)
    n_sites, n_species, n_scales = 40, 6, 4
    y = rng.integers(0, n_visits + 1, (n_sites, n_species)) * (rng.random((n_sites, n_species))
                                                                < 0.6)
    env, cov = rng.normal(size=n_sites), rng.normal(size=(n_scales, n_sites))
    coef = rng.normal(size=(4, n_species)) * np.array([[3.0], [1.0], [1.0], [2.0]])
    coef[0, 0], coef[3, 1] = 40.0, -35.0  # psi -> 1 and p -> 0 for two species
    stats = community_statistics(y, n_visits, env, cov)
    got = scale_loglik(stats, *coef)
    logit_psi = coef[0] + coef[1] * env[:, None] + coef[2] * cov[:, :, None]
    want = detection_loglik(y[None], n_visits, logit_psi, coef[3][None, None]).sum(axis=(1, 2))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_zero_sum_basis_is_an_orthonormal_complement_of_the_ones():
    for n in (2, 3, 10, 15):
        h = zero_sum_basis(n)
        assert h.shape == (n, n - 1)
        np.testing.assert_allclose(h.T @ h, np.eye(n - 1), atol=1e-13)
        np.testing.assert_allclose(h @ h.T, np.eye(n) - 1.0 / n, atol=1e-13)


def test_reparameterised_prior_is_the_hierarchical_prior():
    """coef = m + sd H z with m ~ N(0, sqrt(s0^2 + sd^2/K)) and mu drawn from its
    conditional has the law of mu ~ N(0, s0), coef_k ~ N(mu, sd): Var(coef_k) = s0^2 +
    E[sd^2] = s0^2 + 1, Cov(coef_j, coef_k) = Cov(mu, coef_k) = Var(mu) = s0^2 (to 4
    Monte Carlo standard errors of 200 000 draws)."""
    rng = np.random.default_rng(11)
    n, k, s0 = 200_000, 5, COMMUNITY_PRIORS[0][1]
    sd = np.abs(rng.standard_normal(n))
    m = rng.standard_normal(n) * np.sqrt(s0**2 + sd**2 / k)
    coef = m[:, None] + sd[:, None] * (rng.standard_normal((n, k - 1)) @ zero_sum_basis(k).T)
    draws = {f"m_{name}": m for name, _ in COMMUNITY_PRIORS}
    draws.update({f"sd_{name}": sd for name, _ in COMMUNITY_PRIORS})
    mu = community_means(draws, k, rng)[f"mu_{COMMUNITY_PRIORS[0][0]}"]
    x = np.column_stack([mu, coef])
    x = x - x.mean(axis=0)
    prods = x[:, :, None] * x[:, None, :]
    c, se = prods.mean(axis=0), prods.std(axis=0) / np.sqrt(n)
    want = np.full((k + 1, k + 1), s0**2)
    want[np.arange(1, k + 1), np.arange(1, k + 1)] += 1.0
    assert np.all(np.abs(c - want) < 4 * se)
    assert np.abs(mu.mean()) < 4 * mu.std() / np.sqrt(n)


def test_model_density_is_double_precision():
    """The NumPyro model's log density at a point equals the float64 NumPy sum of the
    priors and the scale-marginal likelihood to 1e-12 (float32 data would miss by
    ~1e-5 of a log-likelihood of ~1e3)."""
    import jax.numpy as jnp
    from numpyro.infer.util import log_density
    from scipy import stats
    from scipy.special import logsumexp

    from scaleweave._optional import import_jax
    from scaleweave.bridges.inference.scale_selection import _model, model_data

    import_jax("test")
    y, cov, env = _survey(2, n_sites=50, n_species=5)
    cov = (cov - cov.mean(1, keepdims=True)) / cov.std(1, keepdims=True)
    prior = np.array([0.2, 0.5, 0.3])
    data = model_data(y, 3, env, cov, prior)
    assert all(v.dtype == jnp.float64 for v in data.values())
    rng = np.random.default_rng(0)
    point = {}
    for name, _ in COMMUNITY_PRIORS:
        point[f"sd_{name}"] = 0.3 + rng.random()
        point[f"m_{name}"] = rng.normal()
        point[f"z_{name}"] = rng.normal(size=4)
    got, _ = log_density(_model, (data,), {}, {k: jnp.asarray(v) for k, v in point.items()})
    h, want, coef = zero_sum_basis(5), 0.0, {}
    for name, s0 in COMMUNITY_PRIORS:
        sd, m, z = point[f"sd_{name}"], point[f"m_{name}"], point[f"z_{name}"]
        want += (stats.halfnorm.logpdf(sd) + stats.norm.logpdf(m, 0, np.sqrt(s0**2 + sd**2 / 5))
                 + stats.norm.logpdf(z).sum())
        coef[name] = m + sd * h @ z
    per_scale = scale_loglik(community_statistics(y, 3, env, cov), coef["psi0"], coef["env"],
                             coef["cov"], coef["p0"]) + np.log(prior)
    want += logsumexp(per_scale)
    assert float(got) == pytest.approx(want, rel=1e-12)


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



def test_too_short_a_run_is_recorded_warned_or_raised():
    """40 draws cannot give the 200 effective draws of two chains: the bulk ESS fails,
    recorded in validity() by default, a warning or an error as the policy says."""
    y, cov, env = _survey(1, n_sites=30, n_species=2)
    scales = np.array([1.0, 2.0, 3.0])
    sampler = make_sampler(2, 20, 20)
    with pytest.warns(ValidityWarning, match="'scale selection': min bulk ESS"):
        fit = fit_scale_selection(y, 3, cov, scales, env, mcmc=sampler, validity="warn")
    # Recorded either way: the failed entry is in validity() (the default only records).
    bad = {v.diagnostic: v for v in fit.validity() if not v.ok}
    assert bad["min bulk ESS"].value < bad["min bulk ESS"].limit == 200.0
    with pytest.raises(ValidityError, match="min bulk ESS"):
        fit_scale_selection(y, 3, cov, scales, env, mcmc=sampler, validity="raise")
    with pytest.raises(ConfigError, match="validity policy"):
        fit_scale_selection(y, 3, cov, scales, env, validity="loud")


def test_bad_sampler_settings_name_the_setting():
    with pytest.raises(ConfigError, match="target_accept"):
        make_sampler(2, 10, 10, target_accept=1.0)
    with pytest.raises(ConfigError, match="must be positive"):
        make_sampler(0, 10, 10)
