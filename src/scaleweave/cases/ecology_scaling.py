"""Case ``ecology-scaling``: data at several grains, imperfect detection, a scaling law.

Two studies of the ecology chapter, each with an exact or published answer:

* **Occupancy with imperfect detection** (MacKenzie et al. 2002, Ecology 83:2248):
  ``n_sites`` sites, ``n_visits`` visits, occupancy ``psi``, detection ``p``. A
  species never seen at a site is absent or missed; the naive share of sites with a
  detection estimates ``psi [1 - (1 - p)^K]`` (0.456 for the published design), not
  ``psi``. The maximum-likelihood estimate corrects it. Over seeded repetitions of the
  survey the mean of ``psi_hat`` must lie within 3 standard errors of ``psi``.
  On a nested design (quadrats in plots along the gradient) occupancy is fitted
  hierarchically by NUTS (:func:`scaleweave.bridges.inference.occupancy.fit_occupancy`): plot
  effects partially pooled, the gradient's effect on occupancy separated from
  detection.

  For constant ``psi`` and ``p`` the likelihood factorises: the number of sites with
  a detection is binomial with probability ``psi p*`` (``p* = 1 - (1 - p)^K``), and
  detections at those sites are zero-truncated binomial in ``p``; so ``p_hat``
  solves ``mean detections per detected site = K p / p*`` and
  ``psi_hat = (detected sites / n) / p*(p_hat)`` (capped at 1).
* **Species-area scaling across grains** (Arrhenius 1921; Preston 1962): nested
  quadrats of ``n_grains`` sizes in each of ``n_plots`` plots along an environmental
  gradient. The expected richness is ``E[S] = c exp(b x + u_plot) A^z``; the nested
  counts are simulated by thinning: every species of a quadrat is kept in the nested
  smaller one with probability ``(A_small / A_large)^z``, so each grain has the
  power-law mean and smaller quadrats hold subsets of the larger ones' species. The
  scaling exponent ``z`` and the environmental effect ``b`` are estimated together,
  from all grains at once, by the hierarchical bridge (Poisson, plot effects partially
  pooled, covariates ``x`` and ``log A``).

The design (sites, visits, repetitions; plots, grains, grain sizes) is read from the
case parameters, so a TOML file (``[ecology-scaling]`` table) changes it.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from scaleweave.bridges.inference.occupancy_mle import occupancy_mle
from scaleweave.cases.base import Case, RunContext
from scaleweave.core.checks import ReferenceCheck, Validity
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.results import CaseResult, Output

__all__ = ["EcologyScalingCase", "simulate_nested_occupancy", "simulate_nested_quadrats",
           "simulate_occupancy"]

_MACKENZIE = "MacKenzie et al. (2002) Ecology 83:2248"


def simulate_occupancy(rng: np.random.Generator, n_sites: int, n_visits: int, psi: float,
                       p: float, repeats: int = 1) -> np.ndarray:
    """Detections per site (out of ``n_visits``), shape (repeats, n_sites)."""
    from scaleweave.bridges.inference.occupancy import simulate_detections

    return simulate_detections(np.full((repeats, n_sites), psi), np.asarray(p), n_visits,
                               rng)[0]


def simulate_nested_quadrats(rng: np.random.Generator, n_plots: int, areas: np.ndarray,
                             richness_c: float, z: float, env_effect: float, plot_sd: float
                             ) -> dict[str, np.ndarray]:
    """Species counts in nested quadrats, ``E[S] = c exp(b x + u) A^z`` at every grain.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_plots : int
    areas : ndarray
        Quadrat areas (m^2), increasing; each nested in the next.
    richness_c : float
        Expected species in 1 m^2 at the gradient's mean.
    z : float
        Scaling exponent.
    env_effect : float
        ``b``: effect of the standardised gradient ``x`` on log richness.
    plot_sd : float
        Sd of the plot effect ``u`` (log scale).

    Returns
    -------
    dict
        ``S`` (plots, grains), ``x`` (plots, standardised), ``u`` (plots).
    """
    x = np.linspace(-1.7, 1.7, n_plots)
    x = (x - x.mean()) / x.std()
    u = plot_sd * rng.standard_normal(n_plots)
    mean_big = richness_c * np.exp(env_effect * x + u) * areas[-1] ** z
    s = np.empty((n_plots, areas.size), dtype=int)
    s[:, -1] = rng.poisson(mean_big)
    for j in range(areas.size - 2, -1, -1):
        s[:, j] = rng.binomial(s[:, j + 1], (areas[j] / areas[j + 1]) ** z)
    return {"S": s, "x": x, "u": u}


def simulate_nested_occupancy(rng: np.random.Generator, n_plots: int, sites_per_plot: int,
                              n_visits: int, psi: float, p: float, env_effect: float,
                              plot_sd: float) -> dict[str, np.ndarray]:
    """Quadrats nested in plots along a gradient: ``logit psi = logit(psi) + b x + u``.

    Returns ``y`` (detections per quadrat), ``x`` (the plot's standardised gradient
    value per quadrat), ``plot`` (index), ``psi`` (true occupancy per quadrat).
    """
    from scaleweave.bridges.inference.occupancy import simulate_detections

    x_plot = np.linspace(-1.0, 1.0, n_plots)
    x_plot = (x_plot - x_plot.mean()) / x_plot.std()
    u = plot_sd * rng.standard_normal(n_plots)
    plot = np.repeat(np.arange(n_plots), sites_per_plot)
    logit = math.log(psi / (1.0 - psi)) + env_effect * x_plot[plot] + u[plot]
    occ = 1.0 / (1.0 + np.exp(-logit))
    y, _ = simulate_detections(occ[:, None], np.array([p]), n_visits, rng)
    return {"y": y[:, 0], "x": x_plot[plot], "plot": plot, "psi": occ}


class EcologyScalingCase(Case):
    """Detection-corrected occupancy and a species-area exponent estimated across grains."""

    name = "ecology-scaling"
    title = "Ecology across scales: imperfect detection and a scaling exponent from nested grains"
    description = (
        "Occupancy with imperfect detection (MacKenzie et al. 2002: 200 sites, 4 visits, "
        "psi 0.6, p 0.3): the maximum-likelihood psi is unbiased over seeded surveys, the "
        "naive share of occupied sites is 0.456. Nested quadrats along a gradient: the "
        "species-area exponent z and the environmental effect estimated together from all "
        "grains by the hierarchical bridge. Design from TOML."
    )
    parameters = (
        Parameter("n_sites", 200, "", "occupancy: sites", low=10, integer=True),
        Parameter("n_visits", 4, "", "occupancy: repeat visits", low=2, integer=True),
        Parameter("psi", 0.6, "", "occupancy probability", low=0.0, high=1.0, low_open=True),
        Parameter("p", 0.3, "", "detection probability per visit", low=0.0, high=1.0,
                  low_open=True),
        Parameter("n_repeats", 200, "", "occupancy: seeded repetitions of the survey", low=10,
                  integer=True),
        Parameter("occ_plots", 30, "", "nested occupancy: plots along the gradient", low=3,
                  integer=True),
        Parameter("occ_sites_per_plot", 8, "", "nested occupancy: quadrats per plot", low=1,
                  integer=True),
        Parameter("occ_env_effect", 0.8, "", "nested occupancy: effect of the standardised "
                  "gradient on logit occupancy"),
        Parameter("occ_plot_sd", 0.5, "", "nested occupancy: sd of plot effects (logit)",
                  low=0.0),
        Parameter("n_plots", 100, "", "scaling: plots along the gradient", low=5,
                  integer=True),
        Parameter("n_grains", 5, "", "scaling: nested quadrat sizes per plot", low=2,
                  integer=True),
        Parameter("min_grain", 1.0, "m^2", "scaling: smallest quadrat", low=0.0,
                  low_open=True),
        Parameter("grain_factor", 4.0, "", "scaling: area ratio of nested quadrats", low=1.0,
                  low_open=True),
        Parameter("z_true", 0.25, "", "scaling: true species-area exponent", low=0.0,
                  high=1.0),
        Parameter("richness_c", 5.0, "", "scaling: species in 1 m^2 at the gradient mean",
                  low=0.0, low_open=True),
        Parameter("env_effect", 0.3, "", "scaling: effect of the standardised gradient on "
                  "log richness"),
        Parameter("plot_sd", 0.1, "", "scaling: sd of plot effects (log scale)", low=0.0),
        Parameter("chains", 4, "", "NUTS chains", low=2, integer=True),
        Parameter("warmup", 1000, "", "NUTS warm-up per chain", low=10, integer=True),
        Parameter("draws", 1000, "", "NUTS draws per chain", low=10, integer=True),
    )
    quick: ClassVar[dict[str, Any]] = {}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (
        ("numpyro", "bayes"), ("jax", "bayes"), ("arviz", "bayes"))

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        import numpyro

        numpyro.set_platform("cpu")
        from scaleweave.bridges.inference.hierarchical import Design, fit_hierarchical
        from scaleweave.bridges.inference.occupancy import fit_occupancy
        from scaleweave.cases._ecology_figures import figures

        p = params
        refs: list[ReferenceCheck] = []
        outputs: dict[str, Output] = {}
        validity: list[Validity] = []
        timings: dict[str, float] = {}

        # -- occupancy --------------------------------------------------------------------
        tic = time.perf_counter()
        k, psi, det = int(p["n_visits"]), p["psi"], p["p"]
        reps = int(p["n_repeats"])
        d = simulate_occupancy(ctx.rng(11), int(p["n_sites"]), k, psi, det, reps)
        est = occupancy_mle(d, k)
        naive_expected = psi * (1.0 - (1.0 - det) ** k)
        mean_psi = float(np.mean(est["psi"]))
        se_mean = float(np.std(est["psi"], ddof=1) / math.sqrt(reps))
        mean_naive = float(np.mean(est["naive"]))
        se_naive = float(np.std(est["naive"], ddof=1) / math.sqrt(reps))
        refs.append(ReferenceCheck(
            f"occupancy: mean psi-hat over {reps} seeded surveys", mean_psi, psi, 3 * se_mean,
            f"{_MACKENZIE}; tolerance 3 standard errors of the mean", "abs"))
        refs.append(ReferenceCheck(
            "occupancy: mean naive estimate vs psi [1 - (1 - p)^K]", mean_naive,
            naive_expected, 3 * se_naive, f"{_MACKENZIE}; tolerance 3 standard errors", "abs"))
        if (k, psi, det) == (4, 0.6, 0.3):
            refs.append(ReferenceCheck("occupancy: naive expectation of the published design",
                                       naive_expected, 0.456, 5e-4, _MACKENZIE, "abs"))
        first = {key: float(v[0]) for key, v in est.items()}
        outputs["psi_hat"] = Output(first["psi"], "", first["psi"] - 1.96 * first["se_psi"],
                                    first["psi"] + 1.96 * first["se_psi"],
                                    "detection-corrected occupancy, first survey (95% CI)")
        outputs["p_hat"] = Output(first["p"], "", description="detection probability, first "
                                  "survey")
        outputs["naive"] = Output(first["naive"], "", description="naive share of sites with "
                                  "a detection, first survey")
        outputs["naive_expected"] = Output(naive_expected, "",
                                           description="psi [1 - (1 - p)^K]")
        outputs["psi_hat_mean"] = Output(mean_psi, "", mean_psi - 1.96 * se_mean,
                                         mean_psi + 1.96 * se_mean,
                                         f"mean psi-hat over {reps} surveys")
        outputs["psi_hat_bias_se"] = Output((mean_psi - psi) / se_mean, "",
                                            description="bias in standard errors")
        timings["occupancy"] = time.perf_counter() - tic

        # -- occupancy on the nested design, fitted hierarchically ------------------------
        tic = time.perf_counter()
        nest = simulate_nested_occupancy(ctx.rng(13), int(p["occ_plots"]),
                                         int(p["occ_sites_per_plot"]), k, psi, det,
                                         p["occ_env_effect"], p["occ_plot_sd"])
        occ = fit_occupancy(nest["y"], k, covariates=nest["x"][:, None], group=nest["plot"],
                            chains=min(int(p["chains"]), 2), warmup=min(int(p["warmup"]), 500),
                            draws=min(int(p["draws"]), 500), seed=ctx.seed + 14)
        b_occ = occ.interval("beta", 0)
        psi_occ = occ.interval("psi_mean")
        refs.append(ReferenceCheck(
            "nested occupancy: true gradient effect inside the 95% credible interval",
            b_occ[0], p["occ_env_effect"], max(b_occ[2] - b_occ[0], b_occ[0] - b_occ[1]),
            "simulation truth; sites nested in plots, plot effects partially pooled, "
            f"detection summed out ({_MACKENZIE})", "abs"))
        psi_true_mean = float(nest["psi"].mean())
        refs.append(ReferenceCheck(
            "nested occupancy: true mean occupancy inside the 95% credible interval",
            psi_occ[0], psi_true_mean, max(psi_occ[2] - psi_occ[0], psi_occ[0] - psi_occ[1]),
            "simulation truth (mean of the sites' psi)", "abs"))
        outputs["occ_gradient_effect"] = Output(
            b_occ[0], "", b_occ[1], b_occ[2], "nested occupancy: gradient effect on logit psi "
            "(hierarchical, detection-corrected; 95% credible interval)")
        outputs["occ_psi_mean"] = Output(psi_occ[0], "", psi_occ[1], psi_occ[2],
                                         "nested occupancy: mean occupancy of the quadrats")
        outputs["occ_naive_mean"] = Output(float(np.mean(nest["y"] > 0)), "",
                                           description="nested occupancy: naive share of "
                                           "quadrats with a detection")
        validity += occ.validity("nested occupancy (sites in plots)")
        timings["nested_occupancy"] = time.perf_counter() - tic

        # -- species-area scaling across nested grains ---------------------------------------
        tic = time.perf_counter()
        areas = p["min_grain"] * p["grain_factor"] ** np.arange(int(p["n_grains"]))
        sim = simulate_nested_quadrats(ctx.rng(12), int(p["n_plots"]), areas,
                                       p["richness_c"], p["z_true"], p["env_effect"],
                                       p["plot_sd"])
        n_plots, n_grains = sim["S"].shape
        plots = [f"P{i:03d}" for i in range(n_plots)]
        rows_plot = np.repeat(np.arange(n_plots), n_grains)
        # ln(A / A_ref), A_ref the geometric mean grain: centred, so c and z decorrelate.
        log_ref = float(np.mean(np.log(areas)))
        log_a = np.log(np.tile(areas, n_plots)) - log_ref
        x_env = sim["x"][rows_plot]
        fit = fit_hierarchical(
            sim["S"].ravel(), [plots[i] for i in rows_plot], design=Design.single("plot", plots),
            likelihood="poisson", covariates=np.column_stack([x_env, log_a]),
            priors={"mu": "normal(0, 5)", "tau": "halfnormal(1)", "beta": "normal(0, 2)"},
            chains=int(p["chains"]), warmup=int(p["warmup"]), draws=int(p["draws"]),
            seed=ctx.seed + 13, label="species-area fit (plots partially pooled)", warn=False)
        beta = fit.draws("beta")
        z_draws, b_draws = beta[:, 1], beta[:, 0]
        z_mean, b_mean = float(z_draws.mean()), float(b_draws.mean())
        b_lo, b_hi = np.quantile(b_draws, [0.025, 0.975])
        z_lo, z_hi = np.quantile(z_draws, [0.025, 0.975])
        refs.append(ReferenceCheck("scaling exponent z from all grains", z_mean, p["z_true"],
                                   0.02, "simulated nested quadrats (Arrhenius 1921; Preston "
                                   "1962: z ~ 0.25); tolerance 0.02", "abs"))
        refs.append(ReferenceCheck(
            "environmental effect: true value inside the 95% credible interval",
            b_mean, p["env_effect"], float(max(b_hi - b_mean, b_mean - b_lo)),
            "simulation truth", "abs"))
        refs.append(ReferenceCheck("species-area fit max R-hat", fit.diagnostics["max_rhat"],
                                   1.01, 0.0, "Vehtari et al. (2021)", "le"))
        refs.append(ReferenceCheck("species-area fit divergences",
                                   fit.diagnostics["divergences"], 0.0, 0.0,
                                   "Betancourt (2017)", "le"))
        outputs["z"] = Output(z_mean, "", float(z_lo), float(z_hi),
                              "species-area exponent (posterior mean, 95% interval)")
        outputs["env_effect"] = Output(b_mean, "", float(b_lo), float(b_hi),
                                       "effect of the standardised gradient on log richness")
        # One grain alone cannot give z: a single-grain slope is undefined; two grains give
        # the classic two-point estimate, shown for comparison.
        s_small, s_big = sim["S"][:, 0].sum(), sim["S"][:, -1].sum()
        outputs["z_two_point"] = Output(float(math.log(s_big / s_small)
                                              / math.log(areas[-1] / areas[0])), "",
                                        description="two-grain estimate from summed richness")
        validity += fit.validity()
        timings["scaling"] = time.perf_counter() - tic

        ds = xr.Dataset(
            {"psi_hat": (("survey",), est["psi"], {"units": "1"}),
             "p_hat": (("survey",), est["p"], {"units": "1"}),
             "naive": (("survey",), est["naive"], {"units": "1"}),
             "richness": (("plot", "grain"), sim["S"], {"units": "1"}),
             "gradient": (("plot",), sim["x"], {"units": "1"}),
             "area": (("grain",), areas, {"units": "m^2"})},
            coords={"survey": ("survey", np.arange(reps), {"units": "1"}),
                    "plot": ("plot", plots, {"units": "1"}),
                    "grain": ("grain", np.arange(n_grains), {"units": "1"})})
        ds = xr.merge([ds, fit.posterior_dataset("sar")], combine_attrs="drop_conflicts")
        ds.attrs["converged"] = int(fit.converged)
        figs = figures(est, psi, naive_expected, sim, areas, fit, log_ref)
        return CaseResult(dataset=ds, outputs=outputs, references=refs, validity=validity,
                          figures=figs, timings=timings)
