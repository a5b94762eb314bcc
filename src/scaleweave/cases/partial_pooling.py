"""Case ``partial-pooling``: the top-down bridge, calibrated hierarchically and pushed forward.

Two studies on :mod:`scaleweave.bridges.inference.hierarchical`:

* **Eight schools** (Rubin 1981, J. Educ. Stat. 6:377; Gelman et al. 2013, BDA3
  sec. 5.5): coaching effects ``y_j`` with known standard errors ``sigma_j``,
  ``y_j ~ N(theta_j, sigma_j)``, ``theta_j ~ N(mu, tau)``, ``mu ~ N(0, 5)``,
  ``tau ~ HalfCauchy(5)``. The posterior means of ``mu`` and ``tau`` are exact by
  2-D quadrature (``theta`` integrated out analytically:
  ``y_j | mu, tau ~ N(mu, sigma_j^2 + tau^2)``): ``E[mu] = 4.40``,
  ``E[tau] = 3.59``. The data carry little information per school, so the bridge
  chooses the non-centred form and NUTS runs without divergences; the centred form
  is run beside it and its divergences are reported. Complete pooling is the
  precision-weighted mean ``7.69 +- 4.07``.
* **Gene activity across tissues**: per-tissue transcription rates ``k_t`` (1/s)
  calibrated from seeded single-cell mRNA counts. A constitutively expressed gene
  (birth at ``k_t``, decay at ``delta_m``) has a Poisson steady-state copy number of
  mean ``k_t / delta_m``; capturing each molecule with probability ``e`` keeps it
  Poisson, ``counts ~ Poisson(e k_t / delta_m)``: a Poisson model with log link and
  exposure ``e / delta_m`` (s), with ``log k_t`` hierarchical by tissue. Tissues
  have very different numbers of cells. The posterior of ``k_t`` flows through a
  scaleweave study (transcription -> translation) into the protein steady state
  ``P* = k_tl (k_t / delta_m) / delta_p`` per tissue, one study evaluation per
  posterior draw, so the prediction carries the calibration's uncertainty. No,
  complete and partial pooling are compared on held-out cells of every tissue.

The posterior draws (InferenceData groups ``posterior`` and ``sample_stats``) are
kept in ``result.nc`` as ``schools_*``, ``schools_centred_*`` and ``gene_*``, and as
ArviZ netCDF files ``posterior_*.nc`` beside it.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from scaleweave.cases.base import Case, RunContext
from scaleweave.core.checks import ReferenceCheck, Validity
from scaleweave.core.model import Port, model_from_function
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.results import CaseResult, Output
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity

__all__ = ["EIGHT_SCHOOLS_SIGMA", "EIGHT_SCHOOLS_Y", "PartialPoolingCase",
           "complete_pooling", "eight_schools_quadrature", "protein_study",
           "simulate_expression"]

#: Rubin (1981), Table 2: estimated coaching effects (SAT points) and standard errors.
EIGHT_SCHOOLS_Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
EIGHT_SCHOOLS_SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
SCHOOLS = tuple("ABCDEFGH")
_RUBIN = "Rubin (1981) J. Educ. Stat. 6:377; Gelman et al. (2013) BDA3 sec. 5.5"


def complete_pooling(y: np.ndarray, sigma: np.ndarray) -> tuple[float, float]:
    """Precision-weighted mean and its standard deviation (flat prior on the common mean)."""
    w = 1.0 / np.asarray(sigma, dtype=float) ** 2
    return float(np.sum(w * y) / np.sum(w)), float(np.sum(w) ** -0.5)


def eight_schools_quadrature(y: np.ndarray, sigma: np.ndarray, mu_loc: float, mu_scale: float,
                             tau_scale: float, n: int = 801) -> dict[str, float]:
    """Exact posterior means of ``mu`` and ``tau`` by 2-D quadrature.

    ``theta`` is integrated out analytically (``y_j | mu, tau ~ N(mu, sigma_j^2 +
    tau^2)``); ``mu ~ N(mu_loc, mu_scale)``, ``tau ~ HalfCauchy(tau_scale)``. The
    half-line of ``tau`` is mapped to ``(0, pi/2)`` by ``tau = tau_scale tan(u)``,
    where the half-Cauchy density becomes uniform; midpoint rule in ``u`` and ``mu``.
    """
    from scipy import stats

    u = (np.arange(n) + 0.5) * (math.pi / 2) / n
    tau = tau_scale * np.tan(u)  # d tau / d u cancels the half-Cauchy density
    span = 8.0 * max(mu_scale, float(np.max(sigma)))
    mu = np.linspace(mu_loc - span, mu_loc + span, 2 * n + 1)
    sd = np.sqrt(sigma[None, :] ** 2 + tau[:, None] ** 2)  # (tau, school)
    # log-likelihood for every (mu, tau): sum_j log N(y_j | mu, sd_j)
    ll = stats.norm.logpdf(y[None, None, :], mu[:, None, None], sd[None, :, :]).sum(-1)
    lp = ll + stats.norm.logpdf(mu, mu_loc, mu_scale)[:, None]
    wgt = np.exp(lp - lp.max())
    z = wgt.sum()
    return {"mu": float((wgt * mu[:, None]).sum() / z),
            "tau": float((wgt * tau[None, :]).sum() / z)}


def simulate_expression(rng: np.random.Generator, n_tissues: int, min_cells: int,
                        max_cells: int, heldout_cells: int, log_k_median: float,
                        tau_true: float, exposure: float) -> dict[str, Any]:
    """Seeded single-cell mRNA counts of one gene across tissues.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_tissues : int
    min_cells, max_cells : int
        Cells per tissue, spread geometrically between these (few cells in some
        tissues, many in others).
    heldout_cells : int
        New cells per tissue kept out of the calibration.
    log_k_median : float
        Median transcription rate across tissues, ``log(k / (1/s))``.
    tau_true : float
        Spread of ``log k`` across tissues.
    exposure : float
        Capture efficiency / mRNA decay rate (s): the mean count is ``k * exposure``.

    Returns
    -------
    dict
        ``tissues``, ``k_true`` (1/s), ``y``/``tissue`` (calibration cells),
        ``y_test``/``tissue_test`` (held-out cells), ``cells`` per tissue.
    """
    tissues = [f"T{t + 1:02d}" for t in range(n_tissues)]
    log_k = log_k_median + tau_true * rng.standard_normal(n_tissues)
    cells = np.round(np.geomspace(min_cells, max_cells, n_tissues)).astype(int)
    cells = rng.permutation(cells)
    k = np.exp(log_k)
    which = np.repeat(np.arange(n_tissues), cells)
    y = rng.poisson(k[which] * exposure)
    which_test = np.repeat(np.arange(n_tissues), heldout_cells)
    y_test = rng.poisson(k[which_test] * exposure)
    return {"tissues": tissues, "k_true": k, "cells": cells,
            "y": y, "tissue": [tissues[i] for i in which],
            "y_test": y_test, "tissue_test": [tissues[i] for i in which_test]}


def protein_study(n_tissues: int) -> Study:
    """Transcription (``m = k_tx / delta_m``) -> translation (``P = k_tl m / delta_p``).

    Both models are vectorised over the sample dimension and take one value per
    tissue; ``k_tx`` is the study parameter the calibration feeds.
    """
    shape = (n_tissues,)
    transcription = model_from_function(
        lambda k_tx, delta_m: {"mrna": k_tx / np.expand_dims(delta_m, -1)},
        inputs={"k_tx": Port("k_tx", "1/s", shape, "transcription rate per cell"),
                "delta_m": Port("delta_m", "1/s", (), "mRNA decay rate")},
        outputs={"mrna": Port("mrna", "", shape, "steady-state mRNA copies per cell")},
        name="transcription", length_scale=1e-5, time_scale=3600.0, vectorized=True)
    translation = model_from_function(
        lambda mrna, k_tl, delta_p: {
            "protein": mrna * np.expand_dims(k_tl / delta_p, -1)},
        inputs={"mrna": Port("mrna", "", shape, "mRNA copies per cell"),
                "k_tl": Port("k_tl", "1/s", (), "translation rate per mRNA"),
                "delta_p": Port("delta_p", "1/s", (), "protein decay rate")},
        outputs={"protein": Port("protein", "", shape, "steady-state proteins per cell")},
        name="translation", length_scale=1e-5, time_scale=86400.0, vectorized=True)
    return Study([transcription, translation]).connect_by_name()


class PartialPoolingCase(Case):
    """Eight schools and per-tissue gene activity: hierarchical calibration pushed forward."""

    name = "partial-pooling"
    title = "Top-down bridge: hierarchical partial pooling, calibration pushed forward"
    description = (
        "Micro parameters inferred from macro data by a hierarchical Bayesian model whose "
        "groups borrow strength from each other. Eight schools (Rubin 1981) against the "
        "exact quadrature posterior, with the centred parameterisation's divergences shown; "
        "per-tissue transcription rates calibrated from single-cell counts and pushed "
        "through a transcription -> translation study into the protein steady state with "
        "error bars; no, complete and partial pooling compared on held-out cells."
    )
    parameters = (
        Parameter("chains", 4, "", "NUTS chains", low=2, integer=True),
        Parameter("warmup", 1000, "", "NUTS warm-up iterations per chain", low=10,
                  integer=True),
        Parameter("draws", 2000, "", "NUTS kept draws per chain", low=10, integer=True),
        Parameter("mu_prior_loc", 0.0, "", "eight schools: mean of the N prior of mu"),
        Parameter("mu_prior_scale", 5.0, "", "eight schools: sd of the N prior of mu",
                  low=0.0, low_open=True),
        Parameter("tau_prior_scale", 5.0, "", "eight schools: scale of the half-Cauchy prior "
                  "of tau", low=0.0, low_open=True),
        Parameter("parameterisation", "auto", "", "eight schools: centring of the school "
                  "level", choices=("auto", "centred", "non-centred")),
        Parameter("n_tissues", 12, "", "gene study: tissues", low=3, integer=True),
        Parameter("min_cells", 1, "", "gene study: fewest cells in a tissue", low=1,
                  integer=True),
        Parameter("max_cells", 40, "", "gene study: most cells in a tissue", low=1,
                  integer=True),
        Parameter("heldout_cells", 30, "", "gene study: held-out cells per tissue", low=1,
                  integer=True),
        Parameter("k_tx_median", 1e-3, "1/s", "gene study: median transcription rate",
                  low=0.0, low_open=True),
        Parameter("tau_true", 0.6, "", "gene study: sd of log k_tx across tissues", low=0.0),
        Parameter("capture", 0.3, "", "gene study: mRNA capture efficiency", low=0.0,
                  high=1.0, low_open=True),
        Parameter("mrna_half_life", 2.0, "h", "mRNA half-life", low=0.0, low_open=True),
        Parameter("protein_half_life", 24.0, "h", "protein half-life", low=0.0,
                  low_open=True),
        Parameter("k_tl", 0.01, "1/s", "translation rate per mRNA", low=0.0, low_open=True),
        Parameter("push_draws", 1000, "", "posterior draws pushed through the study", low=10,
                  integer=True),
    )
    quick: ClassVar[dict[str, Any]] = {"warmup": 1000, "draws": 2000, "push_draws": 500}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (
        ("numpyro", "bayes"), ("jax", "bayes"), ("arviz", "bayes"))

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        import numpyro

        numpyro.set_platform("cpu")
        from scaleweave.bridges.inference.hierarchical import Design, fit_hierarchical, push_forward
        from scaleweave.cases._partial_pooling_figures import figures

        p = params
        nuts = {"chains": int(p["chains"]), "warmup": int(p["warmup"]),
                "draws": int(p["draws"])}
        refs: list[ReferenceCheck] = []
        outputs: dict[str, Output] = {}
        validity: list[Validity] = []
        timings: dict[str, float] = {}
        datasets: list[xr.Dataset] = []

        # -- eight schools ----------------------------------------------------------------
        tic = time.perf_counter()
        y, s = EIGHT_SCHOOLS_Y, EIGHT_SCHOOLS_SIGMA
        priors = {"mu": f"normal({p['mu_prior_loc']}, {p['mu_prior_scale']})",
                  "tau": f"halfcauchy({p['tau_prior_scale']})"}
        design = Design.single("school", SCHOOLS)
        auto = fit_hierarchical(y, SCHOOLS, design=design, sigma=s, priors=priors,
                                parameterisation=p["parameterisation"], seed=ctx.seed,
                                label=f"eight schools ({p['parameterisation']} choice)", warn=False,
                                **nuts)
        centred = fit_hierarchical(y, SCHOOLS, design=design, sigma=s, priors=priors,
                                   parameterisation="centred", seed=ctx.seed,
                                   label="eight schools, centred (shown for comparison)",
                                   warn=False, **nuts)
        exact = eight_schools_quadrature(y, s, p["mu_prior_loc"], p["mu_prior_scale"],
                                         p["tau_prior_scale"])
        cp_mean, cp_sd = complete_pooling(y, s)
        choice = auto.parameterisation["school"]["choice"]
        m_mu, m_tau = auto.mean("mu"), auto.mean("tau_school")
        se_mu, se_tau = auto.mcse("mu"), auto.mcse("tau_school")
        default_priors = (p["mu_prior_loc"], p["mu_prior_scale"], p["tau_prior_scale"]) == (
            0.0, 5.0, 5.0)
        quad_src = ("exact posterior by 2-D quadrature over (mu, tau), theta integrated out "
                    f"analytically; {_RUBIN}")
        if default_priors:
            quad_src += "; 4.40 and 3.59 for mu ~ N(0, 5), tau ~ HalfCauchy(5)"
        # 0.15 holds 3 Monte Carlo standard errors when ESS >= (3 sd / 0.15)^2 ~ 4400.
        refs += [
            ReferenceCheck("eight schools E[mu] (NUTS vs quadrature)", m_mu, exact["mu"], 0.15,
                           quad_src, "abs"),
            ReferenceCheck("eight schools E[tau] (NUTS vs quadrature)", m_tau, exact["tau"],
                           0.15, quad_src, "abs"),
            ReferenceCheck("eight schools complete pooling mean", cp_mean, 7.69, 0.005,
                           f"precision-weighted mean; {_RUBIN}: 7.69 +- 4.07", "abs"),
            ReferenceCheck("eight schools complete pooling sd", cp_sd, 4.07, 0.005,
                           f"(sum sigma_j^-2)^-1/2; {_RUBIN}: 7.69 +- 4.07", "abs"),
            ReferenceCheck("eight schools divergences", auto.diagnostics["divergences"], 0.0,
                           0.0, f"NUTS without divergent transitions (Betancourt 2017); "
                           f"{choice} parameterisation ({p['parameterisation']})", "le"),
            ReferenceCheck("eight schools max R-hat", auto.diagnostics["max_rhat"], 1.01, 0.0,
                           f"Vehtari et al. (2021) Bayesian Anal. 16:667; {choice} "
                           "parameterisation", "le"),
        ]
        outputs["mu"] = _posterior_output(auto, "mu", "points",
                                          f"eight schools: population mean effect ({choice})")
        outputs["tau"] = _posterior_output(auto, "tau_school", "points",
                                           f"eight schools: between-school sd ({choice})")
        outputs["mu_exact"] = Output(exact["mu"], "points",
                                     description="E[mu] by quadrature (exact)")
        outputs["tau_exact"] = Output(exact["tau"], "points",
                                      description="E[tau] by quadrature (exact)")
        outputs["mu_mcse"] = Output(se_mu, "points", description="Monte Carlo SE of E[mu]")
        outputs["tau_mcse"] = Output(se_tau, "points", description="Monte Carlo SE of E[tau]")
        outputs["complete_pooling"] = Output(cp_mean, "points", cp_mean - 1.96 * cp_sd,
                                             cp_mean + 1.96 * cp_sd,
                                             "eight schools: complete pooling (95% interval)")
        outputs["divergences"] = Output(auto.diagnostics["divergences"], "",
                                        description=f"divergent transitions ({choice})")
        outputs["divergences_centred"] = Output(
            centred.diagnostics["divergences"], "",
            description="divergent transitions of the centred parameterisation (the funnel)")
        outputs["kappa_median"] = Output(
            auto.parameterisation["school"]["kappa_median"], "",
            description="median information fraction tau^2/(tau^2 + sigma_j^2) that chose "
                        "the parameterisation (> 0.5: centred)")
        validity += auto.validity() + centred.validity()
        datasets.append(auto.posterior_dataset("schools", _units("points")))
        datasets.append(centred.posterior_dataset("schools_centred", _units("points")))
        timings["eight_schools"] = time.perf_counter() - tic

        # -- gene activity across tissues ---------------------------------------------------
        tic = time.perf_counter()
        gene = self._gene(p, ctx, nuts, fit_hierarchical, push_forward, Design)
        refs += gene["refs"]
        outputs.update(gene["outputs"])
        validity += gene["validity"]
        datasets.append(gene["dataset"])
        timings["gene_activity"] = time.perf_counter() - tic

        converged = auto.converged and gene["partial"].converged
        ds = xr.merge(datasets, compat="override", combine_attrs="drop_conflicts")
        ds.attrs["converged"] = int(converged)
        ds.attrs["notes"] = (
            "posterior draws of every fit kept as <study>_<parameter>(chain, draw, ...); "
            + ("all automatic fits converged" if converged else
               "NOT CONVERGED: at least one automatic fit failed its diagnostics; the "
               "results are kept and marked"))
        figs = figures(auto, centred, exact, (cp_mean, cp_sd), gene)
        # ArviZ InferenceData files beside result.nc (the draws are in result.nc too).
        files = {"posterior_eight_schools.nc": auto.to_netcdf,
                 "posterior_eight_schools_centred.nc": centred.to_netcdf,
                 "posterior_gene_activity.nc": gene["partial"].to_netcdf}
        return CaseResult(dataset=ds, outputs=outputs, references=refs, validity=validity,
                          figures=figs, timings=timings, files=files)

    def _gene(self, p: ParameterValues, ctx: RunContext, nuts: dict, fit_hierarchical: Any,
              push_forward: Any, Design: Any) -> dict[str, Any]:
        """Calibrate per-tissue transcription rates three ways; push the posterior forward."""
        delta_m = math.log(2.0) / p["mrna_half_life"]
        delta_p = math.log(2.0) / p["protein_half_life"]
        exposure = p["capture"] / delta_m  # s: mean count = k_tx * exposure
        log_k0 = math.log(p["k_tx_median"])
        data = simulate_expression(ctx.rng(7), int(p["n_tissues"]), int(p["min_cells"]),
                                   int(p["max_cells"]), int(p["heldout_cells"]), log_k0,
                                   p["tau_true"], exposure)
        tissues = data["tissues"]
        design = Design.single("tissue", tissues)
        # Weakly informative priors on the log rate (1/s): a factor e^2 either way.
        priors = {"mu": f"normal({log_k0:.6g}, 2)", "tau": "halfnormal(1)"}
        fits = {}
        for pooling in ("partial", "none", "complete"):
            fits[pooling] = fit_hierarchical(
                data["y"], data["tissue"], design=design, likelihood="poisson",
                exposure=exposure, priors=priors, pooling=pooling, seed=ctx.seed + 1,
                label=f"gene activity ({pooling} pooling)", warn=False, **nuts)
        truth = np.log(data["k_true"])
        lpd, rmse = {}, {}
        n_test = len(data["y_test"])
        for pooling, fit in fits.items():
            pw = fit.pointwise_lpd(data["y_test"], data["tissue_test"], exposure_new=exposure)
            # Every tissue weighs the same: mean over its held-out cells, then tissues.
            idx = np.array([tissues.index(t) for t in data["tissue_test"]])
            lpd[pooling] = float(np.mean(np.bincount(idx, pw) / np.bincount(idx)))
            est = fit.group_summary()["mean"]
            rmse[pooling] = float(np.sqrt(np.mean((est - truth) ** 2)))
        # Push the partial-pooling posterior forward through the study.
        study = protein_study(len(tissues))
        study.bind("k_tx", "transcription.k_tx",
                   value=Quantity(data["k_true"] * 0 + p["k_tx_median"], "1/s"))
        study.set_input("transcription.delta_m", f"{delta_m} 1/s")
        study.set_input("translation.k_tl", f"{p['k_tl']} 1/s")
        study.set_input("translation.delta_p", f"{delta_p} 1/s")
        pushed = {}
        for pooling, fit in fits.items():
            res, _rows = push_forward(study, {"k_tx": np.exp(fit.group_draws())},
                                      max_draws=int(p["push_draws"]), rng=ctx.rng(8))
            pushed[pooling] = np.asarray(res.si["translation.protein"])
        p_true = p["k_tl"] * data["k_true"] / delta_m / delta_p
        band = np.quantile(pushed["partial"], [0.025, 0.975], axis=0)
        covered = int(np.sum((band[0] <= p_true) & (p_true <= band[1])))
        n_t = len(tissues)
        # Binomial(n_t, 0.95): fewer than this many covered tissues has probability < 1%.
        from scipy import stats

        need = int(stats.binom.ppf(0.01, n_t, 0.95))
        src_lpd = ("held-out cells, log pointwise predictive density per cell (Gelman, Hwang "
                   "& Vehtari 2014); partial pooling should beat both extremes (Gelman & Hill "
                   "2007, ch. 12)")
        refs = [
            ReferenceCheck("gene: partial minus no pooling, held-out lpd per cell (nats)",
                           lpd["partial"] - lpd["none"], 0.0, 0.0, src_lpd, "ge"),
            ReferenceCheck("gene: partial minus complete pooling, held-out lpd per cell (nats)",
                           lpd["partial"] - lpd["complete"], 0.0, 0.0, src_lpd, "ge"),
            ReferenceCheck("gene: tissues whose true protein level lies in the pushed-forward "
                           "95% band", covered, need, 0.0,
                           f"simulated truth; 1st percentile of Binomial({n_t}, 0.95)", "ge"),
            ReferenceCheck("gene: max R-hat (partial pooling)",
                           fits["partial"].diagnostics["max_rhat"], 1.01, 0.0,
                           "Vehtari et al. (2021) Bayesian Anal. 16:667", "le"),
            ReferenceCheck("gene: divergences (partial pooling)",
                           fits["partial"].diagnostics["divergences"], 0.0, 0.0,
                           "NUTS without divergent transitions (Betancourt 2017)", "le"),
        ]
        outputs = {
            f"gene_lpd_{k}": Output(v, "nats/cell",
                                    description=f"held-out log predictive density, {k} pooling")
            for k, v in lpd.items()}
        outputs.update({
            f"gene_rmse_{k}": Output(v, "", description=f"RMSE of log k_tx vs truth, {k} "
                                     "pooling") for k, v in rmse.items()})
        outputs["gene_tau"] = _posterior_output(fits["partial"], "tau_tissue", "",
                                                "spread of log k_tx across tissues "
                                                f"(true {p['tau_true']:g})")
        outputs["gene_parameterisation_centred"] = Output(
            float(fits["partial"].parameterisation["tissue"]["choice"] == "centred"), "",
            description="1 if the tissue level was sampled centred (chosen automatically)")
        outputs["gene_band_coverage"] = Output(covered / n_t, "",
                                               description="share of tissues whose true P* "
                                               "lies in the 95% band")
        validity = [v for fit in fits.values() for v in fit.validity()]
        k_unit = {"mu": "1", "tau_tissue": "1", "theta_tissue": "1"}
        ds = fits["partial"].posterior_dataset("gene", k_unit)
        ds["gene_protein"] = (("gene_push", "gene_tissue"), pushed["partial"],
                              {"units": "1", "long_name": "pushed-forward protein steady "
                               "state per cell (partial pooling)"})
        ds["gene_protein_true"] = (("gene_tissue",), p_true, {"units": "1"})
        ds["gene_k_true"] = (("gene_tissue",), data["k_true"], {"units": "1/s"})
        ds["gene_cells"] = (("gene_tissue",), data["cells"], {"units": "1"})
        ds = ds.assign_coords(gene_push=("gene_push", np.arange(pushed["partial"].shape[0]),
                                         {"units": "1"}))
        ds.attrs["gene_note"] = ("gene_theta_tissue is log(k_tx / (1/s)); "
                                 f"exposure {exposure:.6g} s")
        return {"refs": refs, "outputs": outputs, "validity": validity, "dataset": ds,
                "partial": fits["partial"], "fits": fits, "data": data, "lpd": lpd,
                "rmse": rmse, "pushed": pushed, "p_true": p_true, "n_test": n_test,
                "exposure": exposure}


def _units(unit: str) -> dict[str, str]:
    return {"mu": unit, "tau_school": unit, "theta_school": unit}


def _posterior_output(fit: Any, name: str, unit: str, description: str) -> Output:
    d = fit.draws(name)
    return Output(float(d.mean()), unit, float(np.quantile(d, 0.025)),
                  float(np.quantile(d, 0.975)), description + " (posterior mean, 95% interval)")
