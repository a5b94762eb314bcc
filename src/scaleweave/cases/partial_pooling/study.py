"""The ``partial-pooling`` study (transcription -> translation, wiring only) and the
stages of the analysis: the eight-schools fits, the gene calibration and its push-forward.

The NUTS fits are not a study graph: they run here, seeded from the run context
(``seed`` for the eight schools, ``seed + 1`` for the gene, streams 7 and 8 for the
simulated cells and the subset of pushed draws). The posterior of the per-tissue
transcription rates flows through the case's study, one evaluation per draw.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np
import xarray as xr

from scaleweave.analytic.eight_schools import complete_pooling
from scaleweave.cases.base import Analysis, CaseRuns, RunContext
from scaleweave.cases.partial_pooling.data import (
    EIGHT_SCHOOLS_SIGMA,
    EIGHT_SCHOOLS_Y,
    SCHOOLS,
    simulate_expression,
)
from scaleweave.cases.partial_pooling.references import exact_posterior
from scaleweave.core.checks import Validity
from scaleweave.core.model import Port, model_from_function
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity

__all__ = ["POOLINGS", "analyse", "decay_rates", "eight_schools", "gene_activity",
           "protein_study", "study"]

#: The three ways the gene's tissues are pooled, in the order they are fitted.
POOLINGS = ("partial", "none", "complete")


def decay_rates(p: ParameterValues) -> tuple[float, float]:
    """mRNA and protein decay rates ``ln 2 / half-life`` (1/s)."""
    return math.log(2.0) / p["mrna_half_life"], math.log(2.0) / p["protein_half_life"]


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


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Study]:
    """The protein study, ``k_tx`` bound at the median rate in every tissue (the case
    binds ``k_tl``; the decay rates come from the half-lives)."""
    n = int(p["n_tissues"])
    delta_m, delta_p = decay_rates(p)
    study = protein_study(n)
    study.bind("k_tx", "transcription.k_tx", value=Quantity(np.full(n, p["k_tx_median"]),
                                                             "1/s"))
    study.set_input("transcription.delta_m", f"{delta_m} 1/s")
    study.set_input("translation.delta_p", f"{delta_p} 1/s")
    return {"protein": study}


def _posterior_output(fit: Any, name: str, unit: str, description: str,
                      error: float | None = None) -> Output:
    d = fit.draws(name)
    return Output(float(d.mean()), unit, float(np.quantile(d, 0.025)),
                  float(np.quantile(d, 0.975)), description + " (posterior mean, 95% interval)",
                  error=error)


def _units(unit: str) -> dict[str, str]:
    return {"mu": unit, "tau_school": unit, "theta_school": unit}


def eight_schools(p: ParameterValues, ctx: RunContext, nuts: dict[str, int]) -> dict[str, Any]:
    """The automatic fit, the centred one beside it (the funnel), quadrature, pooling."""
    from scaleweave.bridges.inference.hierarchical import Design, fit_hierarchical

    y, s = EIGHT_SCHOOLS_Y, EIGHT_SCHOOLS_SIGMA
    priors = {"mu": f"normal({p['mu_prior_loc']}, {p['mu_prior_scale']})",
              "tau": f"halfcauchy({p['tau_prior_scale']})"}
    design = Design.single("school", SCHOOLS)
    auto = fit_hierarchical(y, SCHOOLS, design=design, sigma=s, priors=priors,
                            parameterisation=p["parameterisation"], seed=ctx.seed,
                            label=f"eight schools ({p['parameterisation']} choice)", **nuts)
    centred = fit_hierarchical(y, SCHOOLS, design=design, sigma=s, priors=priors,
                               parameterisation="centred", seed=ctx.seed,
                               label="eight schools, centred (shown for comparison)", **nuts)
    exact = exact_posterior(p["mu_prior_loc"], p["mu_prior_scale"], p["tau_prior_scale"])
    cp_mean, cp_sd = complete_pooling(y, s)
    choice = auto.parameterisation["school"]["choice"]
    se_mu, se_tau = auto.mcse("mu"), auto.mcse("tau_school")
    outputs = {
        "mu": _posterior_output(auto, "mu", "points",
                                f"eight schools: population mean effect ({choice})", se_mu),
        "tau": _posterior_output(auto, "tau_school", "points",
                                 f"eight schools: between-school sd ({choice})", se_tau),
        "mu_exact": Output(exact["mu"], "points", description="E[mu] by quadrature (exact)"),
        "tau_exact": Output(exact["tau"], "points",
                            description="E[tau] by quadrature (exact)"),
        "mu_exact_error": Output(exact["mu_error"], "points",
                                 description="the quadrature's error estimate of E[mu]"),
        "tau_exact_error": Output(exact["tau_error"], "points",
                                  description="the quadrature's error estimate of E[tau]"),
        "mu_mcse": Output(se_mu, "points", description="Monte Carlo SE of E[mu]"),
        "tau_mcse": Output(se_tau, "points", description="Monte Carlo SE of E[tau]"),
        "complete_pooling": Output(cp_mean, "points", cp_mean - 1.96 * cp_sd,
                                   cp_mean + 1.96 * cp_sd,
                                   "eight schools: complete pooling (95% interval)"),
        "complete_pooling_sd": Output(cp_sd, "points", description="eight schools: sd of "
                                      "the complete-pooling mean"),
        "divergences": Output(auto.diagnostics["divergences"], "",
                              description=f"divergent transitions ({choice})"),
        "divergences_centred": Output(
            centred.diagnostics["divergences"], "",
            description="divergent transitions of the centred parameterisation (the funnel)"),
        "kappa_median": Output(
            auto.parameterisation["school"]["kappa_median"], "",
            description="median information fraction tau^2/(tau^2 + sigma_j^2) that chose "
                        "the parameterisation (> 0.5: centred)"),
    }
    ds = xr.merge([auto.posterior_dataset("schools", _units("points")),
                   centred.posterior_dataset("schools_centred", _units("points"))],
                  compat="override", combine_attrs="drop_conflicts")
    ds["schools_y"] = (("schools_school",), y, {"units": "points",
                                                "long_name": "estimated coaching effect"})
    ds["schools_sigma"] = (("schools_school",), s, {"units": "points",
                                                    "long_name": "its standard error"})
    for prefix, fit in (("schools", auto), ("schools_centred", centred)):
        ds.attrs[f"{prefix}_choice"] = fit.parameterisation["school"]["choice"]
        ds.attrs[f"{prefix}_max_rhat"] = float(fit.diagnostics["max_rhat"])
        ds.attrs[f"{prefix}_min_ess_bulk"] = float(fit.diagnostics["min_ess_bulk"])
    ds.attrs.update({"schools_mu_exact": exact["mu"], "schools_tau_exact": exact["tau"],
                     "schools_mu_exact_error": exact["mu_error"],
                     "schools_tau_exact_error": exact["tau_error"],
                     "schools_complete_pooling": cp_mean,
                     "schools_complete_pooling_sd": cp_sd})
    # The centred fit is run where it is known to fail (the funnel), to show it: a
    # deliberate counter-example, reported but not counted as a failure.
    shown = [dataclasses.replace(v, counterexample=True) for v in centred.validity()]
    return {"outputs": outputs, "validity": auto.validity() + shown,
            "dataset": ds, "auto": auto, "centred": centred}


def gene_activity(p: ParameterValues, ctx: RunContext, nuts: dict[str, int],
                  study: Study) -> dict[str, Any]:
    """Calibrate per-tissue transcription rates three ways; push each posterior forward.

    ``study`` is the case's protein study with its parameters bound; the pooling
    comparison on held-out cells is the fits' validity.
    """
    from scaleweave.bridges.inference.hierarchical import Design, fit_hierarchical, push_forward

    delta_m, delta_p = decay_rates(p)
    exposure = p["capture"] / delta_m  # s: mean count = k_tx * exposure
    log_k0 = math.log(p["k_tx_median"])
    data = simulate_expression(ctx.rng(7), int(p["n_tissues"]), int(p["min_cells"]),
                               int(p["max_cells"]), int(p["heldout_cells"]), log_k0,
                               p["tau_true"], exposure)
    tissues = data["tissues"]
    design = Design.single("tissue", tissues)
    # Weakly informative priors on the log rate (1/s): a factor e^2 either way.
    priors = {"mu": f"normal({log_k0:.6g}, 2)", "tau": "halfnormal(1)"}
    fits = {pooling: fit_hierarchical(
        data["y"], data["tissue"], design=design, likelihood="poisson", exposure=exposure,
        priors=priors, pooling=pooling, seed=ctx.seed + 1,
        label=f"gene activity ({pooling} pooling)", **nuts) for pooling in POOLINGS}
    truth = np.log(data["k_true"])
    idx = np.array([tissues.index(t) for t in data["tissue_test"]])
    lpd, rmse, means, pushed = {}, {}, {}, {}
    for pooling, fit in fits.items():  # three fits
        pw = fit.pointwise_lpd(data["y_test"], data["tissue_test"], exposure_new=exposure)
        # Every tissue weighs the same: mean over its held-out cells, then tissues.
        lpd[pooling] = float(np.mean(np.bincount(idx, pw) / np.bincount(idx)))
        means[pooling] = fit.group_summary()["mean"]
        rmse[pooling] = float(np.sqrt(np.mean((means[pooling] - truth) ** 2)))
        res, _rows = push_forward(study, {"k_tx": np.exp(fit.group_draws())},
                                  max_draws=int(p["push_draws"]), rng=ctx.rng(8))
        pushed[pooling] = np.asarray(res.si["translation.protein"])
    p_true = p["k_tl"] * data["k_true"] / delta_m / delta_p
    band = np.quantile(pushed["partial"], [0.025, 0.975], axis=0)
    covered = int(np.sum((band[0] <= p_true) & (p_true <= band[1])))
    n_t = len(tissues)
    outputs = {f"gene_lpd_{k}": Output(v, "nats/cell", description="held-out log predictive "
                                       f"density, {k} pooling") for k, v in lpd.items()}
    outputs.update({f"gene_rmse_{k}": Output(v, "", description=f"RMSE of log k_tx vs truth, "
                                             f"{k} pooling") for k, v in rmse.items()})
    outputs["gene_tau"] = _posterior_output(fits["partial"], "tau_tissue", "",
                                            "spread of log k_tx across tissues "
                                            f"(true {p['tau_true']:g})")
    outputs["gene_parameterisation_centred"] = Output(
        float(fits["partial"].parameterisation["tissue"]["choice"] == "centred"), "",
        description="1 if the tissue level was sampled centred (chosen automatically)")
    outputs["gene_band_coverage"] = Output(covered / n_t, "", description="share of tissues "
                                           "whose true P* lies in the 95% band")
    outputs["gene_band_covered"] = Output(float(covered), "", description="tissues whose "
                                          "true P* lies in the pushed-forward 95% band")
    # Partial pooling should beat both extremes on held-out cells (Gelman & Hill 2007,
    # ch. 12): our fits compared on the same data, so a diagnostic, not a reference.
    comparison = "gene activity (held-out lpd per cell, Gelman, Hwang & Vehtari 2014)"
    validity = [v for fit in fits.values() for v in fit.validity()] + [
        Validity(comparison, "partial minus no pooling (nats)", lpd["partial"] - lpd["none"],
                 0.0, "ge"),
        Validity(comparison, "partial minus complete pooling (nats)",
                 lpd["partial"] - lpd["complete"], 0.0, "ge")]
    ds = fits["partial"].posterior_dataset("gene", {"mu": "1", "tau_tissue": "1",
                                                    "theta_tissue": "1"})
    dims = ("gene_push", "gene_tissue")
    ds["gene_protein"] = (dims, pushed["partial"], {
        "units": "1", "long_name": "pushed-forward protein steady state per cell (partial "
        "pooling)"})
    for pooling in ("none", "complete"):
        ds[f"gene_protein_{pooling}"] = (dims, pushed[pooling], {
            "units": "1", "long_name": f"pushed-forward protein steady state ({pooling} "
            "pooling)"})
    ds["gene_protein_true"] = (("gene_tissue",), p_true, {"units": "1"})
    ds["gene_k_true"] = (("gene_tissue",), data["k_true"], {"units": "1/s"})
    ds["gene_cells"] = (("gene_tissue",), data["cells"], {"units": "1"})
    ds["gene_log_k_mean"] = (("gene_pooling", "gene_tissue"), np.stack(
        [means[k] for k in POOLINGS]), {"units": "1", "long_name": "posterior mean of "
                                        "log(k_tx / (1/s))"})
    ds["gene_lpd"] = (("gene_pooling",), [lpd[k] for k in POOLINGS], {"units": "nats/cell"})
    ds["gene_rmse"] = (("gene_pooling",), [rmse[k] for k in POOLINGS], {"units": "1"})
    ds = ds.assign_coords(
        gene_push=("gene_push", np.arange(pushed["partial"].shape[0]), {"units": "1"}),
        gene_pooling=("gene_pooling", list(POOLINGS), {"units": "1"}))
    ds.attrs["gene_note"] = ("gene_theta_tissue is log(k_tx / (1/s)); "
                             f"exposure {exposure:.6g} s")
    ds.attrs["gene_n_test"] = len(data["y_test"])
    return {"outputs": outputs, "validity": validity, "dataset": ds,
            "partial": fits["partial"]}


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """The eight schools and the gene study; posteriors kept in ``result.nc`` and as
    ArviZ files beside it."""
    import numpyro

    numpyro.set_platform("cpu")
    p = runs.params
    nuts = {"chains": int(p["chains"]), "warmup": int(p["warmup"]), "draws": int(p["draws"])}
    timings: dict[str, float] = {}
    tic = time.perf_counter()
    schools = eight_schools(p, ctx, nuts)
    timings["eight_schools"] = time.perf_counter() - tic
    tic = time.perf_counter()
    gene = gene_activity(p, ctx, nuts, runs["protein"].study)
    timings["gene_activity"] = time.perf_counter() - tic

    auto, centred, partial = schools["auto"], schools["centred"], gene["partial"]
    converged = auto.converged and partial.converged
    ds = xr.merge([schools["dataset"], gene["dataset"]], compat="override",
                  combine_attrs="drop_conflicts")
    ds.attrs["converged"] = int(converged)
    notes = ["posterior draws of every fit kept as <study>_<parameter>(chain, draw, ...)",
             "all automatic fits converged" if converged else
             "NOT CONVERGED: at least one automatic fit failed its diagnostics; the results "
             "are kept and marked"]
    # ArviZ InferenceData files beside result.nc (the draws are in result.nc too).
    files = {"posterior_eight_schools.nc": auto.to_netcdf,
             "posterior_eight_schools_centred.nc": centred.to_netcdf,
             "posterior_gene_activity.nc": partial.to_netcdf}
    return Analysis(outputs={**schools["outputs"], **gene["outputs"]}, dataset=ds,
                    validity=schools["validity"] + gene["validity"], notes=notes,
                    files=files, timings=timings)
