"""The ``ecology-scaling`` stages: seeded surveys, two NUTS fits, and the Dataset.

No stage is a study graph: the surveys are estimated in closed form and the nested
designs are fitted by the hierarchical bridges, here, through the run context
(its seeded streams 11, 12, 13 and seeds ``seed + 13``, ``seed + 14``).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import xarray as xr

from scaleweave.analytic.occupancy import naive_occupancy
from scaleweave.bridges.inference.occupancy_mle import occupancy_mle
from scaleweave.cases.base import Analysis, CaseRuns, RunContext
from scaleweave.cases.ecology_scaling.data import (
    simulate_nested_occupancy,
    simulate_nested_quadrats,
    simulate_occupancy,
)
from scaleweave.core.checks import Validity
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output

__all__ = ["analyse", "nested_occupancy", "occupancy", "scaling"]

_NESTED = "nested occupancy (sites in plots)"


def occupancy(p: ParameterValues, ctx: RunContext) -> tuple[dict[str, Output], dict]:
    """Seeded repetitions of the survey, each estimated by maximum likelihood."""
    k, psi, det = int(p["n_visits"]), p["psi"], p["p"]
    reps = int(p["n_repeats"])
    d = simulate_occupancy(ctx.rng(11), int(p["n_sites"]), k, psi, det, reps)
    est = occupancy_mle(d, k)
    naive_expected = naive_occupancy(psi, det, k)
    mean_psi = float(np.mean(est["psi"]))
    se_mean = float(np.std(est["psi"], ddof=1) / math.sqrt(reps))
    mean_naive = float(np.mean(est["naive"]))
    se_naive = float(np.std(est["naive"], ddof=1) / math.sqrt(reps))
    first = {key: float(v[0]) for key, v in est.items()}
    outputs = {
        "psi_hat": Output(first["psi"], "", first["psi"] - 1.96 * first["se_psi"],
                          first["psi"] + 1.96 * first["se_psi"],
                          "detection-corrected occupancy, first survey (95% CI)"),
        "p_hat": Output(first["p"], "", description="detection probability, first survey"),
        "naive": Output(first["naive"], "", description="naive share of sites with a "
                        "detection, first survey"),
        "naive_expected": Output(naive_expected, "", description="psi [1 - (1 - p)^K]"),
        "psi_hat_mean": Output(mean_psi, "", mean_psi - 1.96 * se_mean,
                               mean_psi + 1.96 * se_mean, f"mean psi-hat over {reps} surveys",
                               error=se_mean),
        "psi_hat_bias_se": Output((mean_psi - psi) / se_mean, "",
                                  description="bias in standard errors"),
        "naive_mean": Output(mean_naive, "", mean_naive - 1.96 * se_naive,
                             mean_naive + 1.96 * se_naive,
                             f"mean naive estimate over {reps} surveys", error=se_naive),
    }
    return outputs, est


def nested_occupancy(p: ParameterValues, ctx: RunContext
                     ) -> tuple[dict[str, Output], list[Validity]]:
    """Quadrats nested in plots, occupancy fitted hierarchically by NUTS with detection."""
    from scaleweave.bridges.inference.occupancy import fit_occupancy

    k = int(p["n_visits"])
    nest = simulate_nested_occupancy(ctx.rng(13), int(p["occ_plots"]),
                                     int(p["occ_sites_per_plot"]), k, p["psi"], p["p"],
                                     p["occ_env_effect"], p["occ_plot_sd"])
    occ = fit_occupancy(nest["y"], k, covariates=nest["x"][:, None], group=nest["plot"],
                        chains=min(int(p["chains"]), 2), warmup=min(int(p["warmup"]), 500),
                        draws=min(int(p["draws"]), 500), seed=ctx.seed + 14)
    b_occ = occ.interval("beta", 0)
    psi_occ = occ.interval("psi_mean")
    psi_true_mean = float(nest["psi"].mean())
    outputs = {
        "occ_gradient_effect": Output(
            b_occ[0], "", b_occ[1], b_occ[2], "nested occupancy: gradient effect on logit "
            "psi (hierarchical, detection-corrected; 95% credible interval)"),
        "occ_psi_mean": Output(psi_occ[0], "", psi_occ[1], psi_occ[2],
                               "nested occupancy: mean occupancy of the quadrats"),
        "occ_naive_mean": Output(float(np.mean(nest["y"] > 0)), "",
                                 description="nested occupancy: naive share of quadrats with "
                                 "a detection"),
        "occ_psi_true_mean": Output(psi_true_mean, "", description="nested occupancy: mean "
                                    "of the simulated quadrats' psi (the truth)"),
    }
    # The simulated quadrats' mean psi is known only after the simulation: the fit
    # recovering it is a diagnostic of the fit, not a reference.
    recovered = Validity(_NESTED, "|posterior mean psi - simulated mean psi| within the 95% "
                         "credible half-width", abs(psi_occ[0] - psi_true_mean),
                         max(psi_occ[2] - psi_occ[0], psi_occ[0] - psi_occ[1]), "le")
    return outputs, [*occ.validity(_NESTED), recovered]


def scaling(p: ParameterValues, ctx: RunContext) -> tuple[dict[str, Output], dict[str, Any]]:
    """Nested quadrats along the gradient; ``z`` and ``b`` fitted from all grains at once."""
    from scaleweave.bridges.inference.hierarchical import Design, fit_hierarchical

    areas = p["min_grain"] * p["grain_factor"] ** np.arange(int(p["n_grains"]))
    sim = simulate_nested_quadrats(ctx.rng(12), int(p["n_plots"]), areas, p["richness_c"],
                                   p["z_true"], p["env_effect"], p["plot_sd"])
    n_plots, n_grains = sim["S"].shape
    plots = [f"P{i:03d}" for i in range(n_plots)]
    rows_plot = np.repeat(np.arange(n_plots), n_grains)
    # ln(A / A_ref), A_ref the geometric mean grain: centred, so c and z decorrelate.
    log_ref = float(np.mean(np.log(areas)))
    log_a = np.log(np.tile(areas, n_plots)) - log_ref
    fit = fit_hierarchical(
        sim["S"].ravel(), [plots[i] for i in rows_plot], design=Design.single("plot", plots),
        likelihood="poisson", covariates=np.column_stack([sim["x"][rows_plot], log_a]),
        priors={"mu": "normal(0, 5)", "tau": "halfnormal(1)", "beta": "normal(0, 2)"},
        chains=int(p["chains"]), warmup=int(p["warmup"]), draws=int(p["draws"]),
        seed=ctx.seed + 13, label="species-area fit (plots partially pooled)")
    beta = fit.draws("beta")
    z_draws, b_draws = beta[:, 1], beta[:, 0]
    z_mean, b_mean = float(z_draws.mean()), float(b_draws.mean())
    b_lo, b_hi = np.quantile(b_draws, [0.025, 0.975])
    z_lo, z_hi = np.quantile(z_draws, [0.025, 0.975])
    # One grain alone cannot give z (a single-grain slope is undefined); two grains give
    # the classic two-point estimate, shown for comparison.
    s_small, s_big = sim["S"][:, 0].sum(), sim["S"][:, -1].sum()
    outputs = {
        "z": Output(z_mean, "", float(z_lo), float(z_hi),
                    "species-area exponent (posterior mean, 95% interval)"),
        "env_effect": Output(b_mean, "", float(b_lo), float(b_hi),
                             "effect of the standardised gradient on log richness"),
        "z_two_point": Output(float(math.log(s_big / s_small)
                                    / math.log(areas[-1] / areas[0])), "",
                              description="two-grain estimate from summed richness"),
    }
    return outputs, {"sim": sim, "areas": areas, "plots": plots, "fit": fit,
                     "log_ref": log_ref}


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """The three stages, their outputs and diagnostics, and the Dataset of the figures."""
    import numpyro

    numpyro.set_platform("cpu")
    p = runs.params
    timings: dict[str, float] = {}
    tic = time.perf_counter()
    outputs, est = occupancy(p, ctx)
    timings["occupancy"] = time.perf_counter() - tic

    tic = time.perf_counter()
    nested, validity = nested_occupancy(p, ctx)
    outputs.update(nested)
    timings["nested_occupancy"] = time.perf_counter() - tic

    tic = time.perf_counter()
    sar, fitted = scaling(p, ctx)
    outputs.update(sar)
    fit = fitted["fit"]
    validity += fit.validity()
    timings["scaling"] = time.perf_counter() - tic
    return Analysis(outputs=outputs, dataset=_dataset(p, est, fitted), validity=validity,
                    timings=timings)


def _dataset(p: ParameterValues, est: dict, fitted: dict[str, Any]) -> xr.Dataset:
    sim, areas, plots, fit = fitted["sim"], fitted["areas"], fitted["plots"], fitted["fit"]
    ds = xr.Dataset(
        {"psi_hat": (("survey",), est["psi"], {"units": "1"}),
         "p_hat": (("survey",), est["p"], {"units": "1"}),
         "naive": (("survey",), est["naive"], {"units": "1"}),
         "richness": (("plot", "grain"), sim["S"], {"units": "1"}),
         "gradient": (("plot",), sim["x"], {"units": "1"}),
         "area": (("grain",), areas, {"units": "m^2"})},
        coords={"survey": ("survey", np.arange(est["psi"].size), {"units": "1"}),
                "plot": ("plot", plots, {"units": "1"}),
                "grain": ("grain", np.arange(areas.size), {"units": "1"})})
    ds = xr.merge([ds, fit.posterior_dataset("sar")], combine_attrs="drop_conflicts")
    ds.attrs["converged"] = int(fit.converged)
    # What the figures draw besides the variables: the truth and the log-area centring.
    ds.attrs["psi"] = float(p["psi"])
    ds.attrs["naive_expected"] = naive_occupancy(p["psi"], p["p"], int(p["n_visits"]))
    ds.attrs["log_area_ref"] = fitted["log_ref"]
    return ds
