"""Hierarchical calibration bridge: eight schools against exact quadrature, bad input, push-forward.

References
----------
Rubin (1981) J. Educ. Stat. 6:377 (the data); Gelman et al. (2013) BDA3 sec. 5.5. With
mu ~ N(0, 5), tau ~ HalfCauchy(5) the exact posterior means are E[mu] = 4.40 and
E[tau] = 3.59 (computed here by quadrature, independently of the case's helper).
"""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

pytest.importorskip("numpyro")

from scaleweave.bridges.inference.hierarchical import (
    Design,
    Prior,
    choose_parameterisation,
    fit_hierarchical,
    push_forward,
)
from scaleweave.bridges.inference.mcmc_diagnostics import convergence
from scaleweave.core.model import Port, model_from_function
from scaleweave.core.study import Study
from scaleweave.errors import ConfigError, ValidityError, ValidityWarning

Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
SCHOOLS = list("ABCDEFGH")
PRIORS = {"mu": "normal(0, 5)", "tau": "halfcauchy(5)"}
# The case's quick settings, so the compiled sampler is shared within a pytest session.
NUTS = {"chains": 4, "warmup": 1000, "draws": 2000}


def quadrature_eight_schools() -> tuple[float, float]:
    """E[mu], E[tau] by Gauss-Legendre quadrature; theta integrated out analytically.

    y_j | mu, tau ~ N(mu, sigma_j^2 + tau^2). tau = 5 tan(u), u in (0, pi/2), turns the
    HalfCauchy(5) density times d tau/du into a constant.
    """
    xu, wu = np.polynomial.legendre.leggauss(400)
    u = (xu + 1) * math.pi / 4
    wu = wu * math.pi / 4
    xm, wm = np.polynomial.legendre.leggauss(400)
    mu = 30.0 * xm + 5.0  # [-25, 35]: > 9 prior-or-likelihood sds around the mass
    wm = 30.0 * wm
    tau = 5.0 * np.tan(u)
    sd = np.sqrt(SIGMA**2 + tau[:, None] ** 2)  # (tau, j)
    like = stats.norm.logpdf(Y, mu[:, None, None], sd[None]).sum(-1)  # (mu, tau)
    logp = like + stats.norm.logpdf(mu, 0, 5)[:, None]
    w = np.exp(logp - logp.max()) * wm[:, None] * wu[None, :]
    return float((w * mu[:, None]).sum() / w.sum()), float((w * tau[None]).sum() / w.sum())


@pytest.fixture(scope="module")
def auto_fit():
    return fit_hierarchical(Y, SCHOOLS, design=Design.single("school", SCHOOLS), sigma=SIGMA,
                            priors=PRIORS, seed=0, label="eight schools", **NUTS)


def test_quadrature_reproduces_published_means():
    e_mu, e_tau = quadrature_eight_schools()
    assert e_mu == pytest.approx(4.40, abs=0.005)
    assert e_tau == pytest.approx(3.59, abs=0.01)  # 3.598: the published 3.59 is truncated
    from scaleweave.analytic.eight_schools import eight_schools_quadrature

    case = eight_schools_quadrature(Y, SIGMA, 0.0, 5.0, 5.0)
    assert case["mu"] == pytest.approx(e_mu, abs=1e-8)
    assert case["tau"] == pytest.approx(e_tau, abs=1e-8)


def test_complete_pooling_is_the_precision_weighted_mean():
    w = SIGMA**-2.0
    assert np.sum(w * Y) / np.sum(w) == pytest.approx(7.69, abs=0.005)  # Rubin (1981)
    assert np.sum(w) ** -0.5 == pytest.approx(4.07, abs=0.005)


def test_eight_schools_auto_is_non_centred_and_exact(auto_fit):
    e_mu, e_tau = quadrature_eight_schools()
    info = auto_fit.parameterisation["school"]
    assert info["choice"] == "non-centred" and not info["forced"]
    assert 0.0 <= info["kappa_median"] <= 0.5
    assert auto_fit.diagnostics["divergences"] == 0
    assert auto_fit.converged
    # Within 4 Monte Carlo standard errors of the exact means (the case's tolerance);
    # at this size that is below 0.2 points.
    for name, exact in (("mu", e_mu), ("tau_school", e_tau)):
        assert 0.0 < auto_fit.mcse(name) < 0.05
        assert abs(auto_fit.mean(name) - exact) <= 4 * auto_fit.mcse(name)
    assert auto_fit.samples["theta_school"].shape == (4, 2000, 8)
    assert list(auto_fit.idata.posterior["theta_school"].coords["school"].values) == SCHOOLS
    assert {v.diagnostic for v in auto_fit.validity()} == {
        "max R-hat", "min bulk ESS", "min tail ESS", "divergent transitions"}
    assert all("non-centred" in v.bridge for v in auto_fit.validity())


def test_centred_divergences_are_recorded_not_hidden():
    # The default policy records: no warning, the failed diagnostics in fit.validity().
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_hierarchical(Y, SCHOOLS, design=Design.single("school", SCHOOLS),
                               sigma=SIGMA, priors=PRIORS, parameterisation="centred", seed=0,
                               label="eight schools", **NUTS)
    assert fit.parameterisation["school"]["choice"] == "centred"
    assert fit.parameterisation["school"]["forced"]
    assert fit.diagnostics["divergences"] > 0
    assert not fit.converged
    bad = {v.diagnostic: v for v in fit.validity() if not v.ok}
    assert "divergent transitions" in bad
    div = bad["divergent transitions"]
    assert div.bridge == "eight schools [school: centred]"
    assert div.value == fit.diagnostics["divergences"] and div.limit == 0.0
    assert int(fit.idata.sample_stats["diverging"].sum()) == fit.diagnostics["divergences"]


def test_posterior_dataset_and_netcdf(auto_fit, tmp_path):
    ds = auto_fit.posterior_dataset("s", {"mu": "points"})
    assert ds["s_mu"].attrs["units"] == "points"
    assert ds["s_theta_school"].dims == ("s_chain", "s_draw", "s_school")
    assert all("units" in ds[n].attrs for n in list(ds.data_vars) + list(ds.coords))
    assert ds.attrs["s_converged"] == 1
    auto_fit.to_netcdf(tmp_path / "posterior.nc")
    import arviz as az

    back = az.from_netcdf(str(tmp_path / "posterior.nc"))
    assert float(back.posterior["mu"].mean()) == pytest.approx(auto_fit.mean("mu"), rel=1e-6)


def test_log_predictive_density_matches_direct_average(auto_fit):
    lpd = auto_fit.pointwise_lpd([10.0, -5.0], ["A", "H"], sigma_new=[15.0, 18.0])
    theta = auto_fit.group_draws()
    direct = [np.log(np.mean(stats.norm.pdf(10.0, theta[:, 0], 15.0))),
              np.log(np.mean(stats.norm.pdf(-5.0, theta[:, 7], 18.0)))]
    np.testing.assert_allclose(lpd, direct, rtol=1e-6)
    with pytest.raises(ConfigError, match="not in the design"):
        auto_fit.pointwise_lpd([1.0], ["Z"], sigma_new=[1.0])


# -- automatic parameterisation ------------------------------------------------------------

def test_parameterisation_follows_information_per_group():
    rng = np.random.default_rng(3)
    design = Design.single("g", [f"g{i}" for i in range(10)])
    theta = rng.normal(0.0, 1.0, 10)
    idx = np.repeat(np.arange(10), 50)
    # 50 rows of sd 0.5 per group: v_j = 0.005 << tau^2 = 1 -> data dominate -> centred.
    rich = choose_parameterisation(design, "normal", theta[idx] + rng.normal(0, 0.5, 500), idx,
                                   sigma=np.full(500, 0.5))
    assert rich["g"]["choice"] == "centred" and rich["g"]["kappa_median"] > 0.9
    # One row of sd 5 per group: v_j = 25 >> tau^2 -> prior dominates -> non-centred.
    one = np.arange(10)
    poor = choose_parameterisation(design, "normal", theta + rng.normal(0, 5.0, 10), one,
                                   sigma=np.full(10, 5.0))
    assert poor["g"]["choice"] == "non-centred"
    assert np.all((poor["g"]["kappa"] >= 0) & (poor["g"]["kappa"] <= 1))
    # Counts: variance of log of a group total is ~1/total.
    counts = rng.poisson(np.exp(3.0 + theta[idx]))
    assert choose_parameterisation(design, "poisson", counts.astype(float), idx)[
        "g"]["choice"] == "centred"


def test_nested_design_and_two_levels_of_information():
    table = [("liver", "hep"), ("liver", "kupffer"), ("brain", "neuron"), ("brain", "glia")]
    d = Design.nested(("tissue", "cell_type"), table)
    assert d.groups["cell_type"] == ("liver/hep", "liver/kupffer", "brain/neuron", "brain/glia")
    np.testing.assert_array_equal(d.parent_index("cell_type"), [0, 0, 1, 1])
    idx = np.repeat(np.arange(4), 30)
    y = np.array([0.0, 0.2, 3.0, 3.3])[idx] + np.random.default_rng(0).normal(0, 0.1, 120)
    info = choose_parameterisation(d, "normal", y, idx, sigma=np.full(120, 0.1))
    assert set(info) == {"tissue", "cell_type"}
    assert info["cell_type"]["choice"] == "centred"


# -- bad input ---------------------------------------------------------------------------------

def test_group_labels_not_in_design_are_named():
    design = Design.single("school", SCHOOLS)
    with pytest.raises(ConfigError, match=r"rows \[2\] name groups \['Q'\]"):
        fit_hierarchical(Y[:3], ["A", "B", "Q"], design=design, sigma=SIGMA[:3])
    with pytest.raises(ConfigError, match="have no data rows"):
        fit_hierarchical(Y[:3], ["A", "B", "C"], design=design, sigma=SIGMA[:3])


def test_nan_rows_are_named():
    y = Y.copy()
    y[[1, 5]] = np.nan
    with pytest.raises(ConfigError, match=r"y has NaN or infinite values in rows \[1, 5\]"):
        fit_hierarchical(y, SCHOOLS, sigma=SIGMA)
    s = SIGMA.copy()
    s[3] = np.inf
    with pytest.raises(ConfigError, match=r"sigma .* rows \[3\]"):
        fit_hierarchical(Y, SCHOOLS, sigma=s)
    with pytest.raises(ConfigError, match=r"rows \[0\]"):
        fit_hierarchical([-1.0, 2.0], ["a", "b"], likelihood="poisson")


@pytest.mark.parametrize("spec, match", [
    ("halfcauchy(-5)", "scale = -5 is impossible"),
    ("normal(0, 0)", "scale = 0 is impossible"),
    ("gamma(2)", "needs 2 parameter"),
    ("normal(0, nan)", "must be finite"),
    ("lognormal(0, 1)", "not known"),
    ("normal 0 5", "not of the form"),
])
def test_impossible_priors_are_config_errors(spec, match):
    with pytest.raises(ConfigError, match=match):
        Prior.parse(spec)


def test_prior_support_and_names_are_checked():
    with pytest.raises(ConfigError, match="lives on the positive half-line"):
        fit_hierarchical(Y, SCHOOLS, sigma=SIGMA, priors={"tau": "normal(0, 5)"})
    with pytest.raises(ConfigError, match="unknown parameters"):
        fit_hierarchical(Y, SCHOOLS, sigma=SIGMA, priors={"nu": "normal(0, 5)"})
    assert str(Prior.parse(" HalfCauchy( 5 ) ")) == "halfcauchy(5)"


def test_bad_design_is_refused():
    with pytest.raises(ConfigError, match="repeated group labels"):
        Design.single("g", ["a", "a"])
    with pytest.raises(ConfigError, match="not groups of level"):
        Design(("t", "c"), {"t": ("x",), "c": ("c1",)}, {"c": {"c1": "y"}})
    with pytest.raises(ConfigError, match="one label per level"):
        Design.nested(("t", "c"), [("x",)])


def test_convergence_flags_stuck_chains():
    rng = np.random.default_rng(1)
    good = rng.normal(size=(4, 500))
    stuck = good + np.array([0.0, 0.0, 0.0, 5.0])[:, None]  # one chain elsewhere
    d_good = convergence({"a": good}, np.zeros((4, 500), bool))
    d_bad = convergence({"a": stuck}, np.ones((4, 500), bool))
    assert d_good["max_rhat"] < 1.01 and d_good["divergences"] == 0
    assert d_bad["max_rhat"] > 1.5 and d_bad["divergences"] == 2000


# -- pushed forward ------------------------------------------------------------------------

def test_push_forward_evaluates_one_row_per_draw():
    model = model_from_function(
        lambda k, d: {"m": k / np.expand_dims(d, -1)},
        inputs={"k": Port("k", "1/s", (3,)), "d": Port("d", "1/s", ())},
        outputs={"m": Port("m", "", (3,))}, name="birth_death", vectorized=True)
    study = Study([model]).bind("k", "birth_death.k", value="1 1/s")
    study.set_input("birth_death.d", "0.5 1/s")
    draws = np.random.default_rng(0).lognormal(size=(100, 3))
    res, rows = push_forward(study, {"k": draws}, max_draws=40, rng=np.random.default_rng(1))
    assert rows.size == 40 and np.all(np.diff(rows) > 0)
    np.testing.assert_allclose(res.si["birth_death.m"], draws[rows] / 0.5)
    with pytest.raises(ConfigError, match="joint"):
        push_forward(study, {"k": draws, "j": draws[:5]})


def test_validity_policy_warns_or_raises_when_nuts_did_not_converge():
    kw = {"design": Design.single("school", SCHOOLS), "sigma": SIGMA, "priors": PRIORS,
          "parameterisation": "centred", "seed": 1, **NUTS}
    with pytest.warns(ValidityWarning, match=r"eight schools \[school: centred\]': "
                      "divergent transitions = .* above its limit 0"):
        fit = fit_hierarchical(Y, SCHOOLS, label="eight schools", validity="warn", **kw)
    assert not fit.converged and fit.samples["mu"].shape == (4, 2000)  # results kept
    with pytest.raises(ValidityError, match="divergent transitions"):
        fit_hierarchical(Y, SCHOOLS, validity="raise", **kw)
    with pytest.raises(ConfigError, match="validity policy 'loud'"):
        fit_hierarchical(Y, SCHOOLS, validity="loud", **kw)


# -- counts and nesting (slow: each compiles its own sampler) ---------------------------------

@pytest.mark.slow
def test_poisson_no_pooling_matches_quadrature():
    # Independent groups: log-rate ~ N(-1, 2), y ~ Poisson(e * exp(log-rate)); the exact
    # posterior mean of each log-rate by 1-D quadrature.
    rng = np.random.default_rng(4)
    idx = np.repeat(np.arange(4), [1, 3, 10, 30])
    expo = 5.0
    y = rng.poisson(expo * np.exp(np.array([-1.5, -1.0, -0.5, 0.0]))[idx]).astype(float)
    labels = [f"g{i}" for i in idx]
    fit = fit_hierarchical(y, labels, likelihood="poisson", exposure=expo, pooling="none",
                           priors={"mu": "normal(-1, 2)"}, seed=3, **NUTS)
    grid = np.linspace(-12, 8, 20001)
    draws = fit.group_draws()
    for g in range(4):
        yy = y[idx == g]
        logp = (stats.norm.logpdf(grid, -1, 2)
                + stats.poisson.logpmf(yy[:, None], expo * np.exp(grid)[None]).sum(0))
        w = np.exp(logp - logp.max())
        exact = float((w * grid).sum() / w.sum())
        sd = math.sqrt(float((w * (grid - exact) ** 2).sum() / w.sum()))
        # 4 Monte Carlo standard errors at the fit's ESS (>= 400 per the diagnostics).
        assert draws[:, g].mean() == pytest.approx(exact, abs=4 * sd / math.sqrt(
            fit.diagnostics["min_ess_bulk"]))
    assert fit.converged


@pytest.mark.slow
def test_two_level_nesting_recovers_the_groups():
    rng = np.random.default_rng(8)
    table = [(t, c) for t in ("liver", "brain", "gut") for c in ("a", "b", "c")]
    design = Design.nested(("tissue", "cell_type"), table)
    tissue_eff = np.array([-1.0, 0.0, 1.0])
    cell_eff = tissue_eff[design.parent_index("cell_type")] + rng.normal(0, 0.3, 9)
    idx = np.repeat(np.arange(9), 20)
    y = cell_eff[idx] + rng.normal(0, 0.5, idx.size)
    groups = [design.groups["cell_type"][i] for i in idx]
    fit = fit_hierarchical(y, groups, design=design, priors={"mu": "normal(0, 3)",
                                                            "tau": "halfnormal(1)",
                                                            "sigma": "halfnormal(1)"},
                           seed=1, target_accept=0.99, **NUTS)
    # Three tissues cannot pin their spread: judged at its low 1% bound the tissue level
    # is non-centred; 20 rows per cell type are informative: centred. (At the default
    # target acceptance 0.95 this seed has one divergence, at 0.99 none.)
    assert fit.parameterisation["tissue"]["choice"] == "non-centred"
    assert fit.parameterisation["cell_type"]["choice"] == "centred"
    est = fit.group_summary("cell_type")
    # Every cell type's true effect inside its 99% band (sd ~ 0.5/sqrt(20) ~ 0.11).
    assert np.all(np.abs(est["mean"] - cell_eff) < 2.6 * est["sd"] + 0.05)
    assert fit.mean("sigma") == pytest.approx(0.5, abs=0.05)
    assert fit.converged


@pytest.mark.slow
def test_negative_binomial_complete_pooling_recovers_mean_and_dispersion():
    # NB2: mean m, variance m + m^2/phi. 600 rows of m = 5, phi = 2.
    rng = np.random.default_rng(12)
    m, phi = 5.0, 2.0
    y = rng.negative_binomial(phi, phi / (phi + m), 600).astype(float)
    fit = fit_hierarchical(y, ["all"] * y.size, likelihood="negbinomial", pooling="complete",
                           priors={"mu": "normal(0, 3)"}, seed=2, **NUTS)
    rate = np.exp(fit.draws("mu").astype(float))
    # The posterior sd of the mean is ~sqrt((m + m^2/phi)/n) = 0.12; 4 sd.
    assert rate.mean() == pytest.approx(m, abs=4 * float(rate.std()))
    assert fit.mean("phi") == pytest.approx(phi, abs=4 * float(fit.draws("phi").std()))
    assert fit.draws("phi").ndim == 1  # one dispersion, not one per row
    assert fit.converged
