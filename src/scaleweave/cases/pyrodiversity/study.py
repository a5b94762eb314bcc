"""The ``pyrodiversity`` stages: seeded replicate landscapes, each fitted by NUTS.

No stage is a study graph: every replicate's landscape and survey are simulated
(stream ``(1, replicate)`` of the run context) and fitted by the hierarchical
multi-species occupancy bridge whose pyrodiversity scale is a latent variable
(:func:`scaleweave.bridges.inference.scale_selection.fit_scale_selection`, seed
``1000 seed + replicate``); the first landscape is refitted without the environment.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import xarray as xr

from scaleweave.cases.base import Analysis, CaseRuns, RunContext
from scaleweave.cases.pyrodiversity.data import (
    candidate_scales,
    check_design,
    nearest_candidate,
    simulate_survey,
)
from scaleweave.core.checks import Validity
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output
from scaleweave.uq.intervals import wilson_interval

__all__ = ["analyse", "replicates"]

_DIAGNOSTICS = ("max_rhat", "min_ess_bulk", "min_ess_tail", "divergences")
_LABEL = "occupancy scale selection"


def replicates(p: ParameterValues, ctx: RunContext, scales: np.ndarray
               ) -> tuple[dict[str, Any], dict[str, float]]:
    """Simulate and fit every replicate landscape; refit the first without the environment.

    Returns
    -------
    fits : dict
        ``weights`` (replicates, scales), ``effect`` (replicates, 3: mean, lo, hi),
        the per-replicate diagnostics by name, ``survey`` (the first) and ``naive``
        (its fit without the environment).
    timings : dict
        Wall times (s) of ``simulate``, ``fit`` and ``fit_without_env``.
    """
    from scaleweave.bridges.inference.scale_selection import fit_scale_selection, make_sampler

    sampler = make_sampler(int(p["chains"]), int(p["warmup"]), int(p["draws"]),
                           target_accept=p["target_accept"])
    timings = {"simulate": 0.0, "fit": 0.0}
    n_rep = int(p["n_replicates"])
    weights = np.zeros((n_rep, scales.size))
    effect = np.zeros((n_rep, 3))
    diag = {k: np.zeros(n_rep) for k in _DIAGNOSTICS}
    first: dict[str, Any] = {}
    for rep in range(n_rep):  # one NUTS fit per replicate landscape
        tic = time.perf_counter()
        survey = simulate_survey(p, ctx.rng(1, rep), scales)
        timings["simulate"] += time.perf_counter() - tic
        tic = time.perf_counter()
        fit = fit_scale_selection(survey["y"], int(p["n_visits"]), survey["pyro"], scales,
                                  survey["env"], seed=ctx.seed * 1000 + rep, mcmc=sampler)
        timings["fit"] += time.perf_counter() - tic
        weights[rep] = fit.weights
        effect[rep] = fit.interval("mu_cov")
        for k in diag:
            diag[k][rep] = fit.diagnostics[k]
        if rep == 0:
            first = survey
    # The confounder: the first landscape refitted without the environment.
    tic = time.perf_counter()
    naive = fit_scale_selection(first["y"], int(p["n_visits"]), first["pyro"], scales, None,
                                seed=ctx.seed * 1000 + n_rep, mcmc=sampler)
    timings["fit_without_env"] = time.perf_counter() - tic
    return {"weights": weights, "effect": effect, **diag, "survey": first,
            "naive": naive.interval("mu_cov"),
            "naive_validity": naive.validity(f"{_LABEL} without the environment "
                                             "(first landscape)")}, timings


def _validity(fits: dict[str, Any], chains: float) -> list[Validity]:
    """The worst convergence diagnostics over the replicates (Vehtari et al. 2021), and
    those of the fit without the environment."""
    return [
        Validity(_LABEL, "max R-hat over replicates", float(fits["max_rhat"].max()), 1.01,
                 "le"),
        Validity(_LABEL, "min bulk ESS over replicates", float(fits["min_ess_bulk"].min()),
                 100.0 * chains, "ge"),
        Validity(_LABEL, "min tail ESS over replicates", float(fits["min_ess_tail"].min()),
                 100.0 * chains, "ge"),
        Validity(_LABEL, "divergent transitions (all replicates)",
                 float(fits["divergences"].sum()), 0.0, "le"),
        *fits["naive_validity"],
    ]


def _outputs(p: ParameterValues, fits: dict[str, Any], scales: np.ndarray,
             nearest: float) -> dict[str, Output]:
    weights, effect = fits["weights"], fits["effect"]
    n_rep = weights.shape[0]
    selected = scales[np.argmax(weights, axis=1)]
    hits = int(np.sum(np.isclose(selected, nearest)))
    truth = p["effect_mean"]
    covered = int(np.sum((effect[:, 1] <= truth) & (truth <= effect[:, 2])))
    right_sign = int(np.sum(np.sign(effect[:, 1]) == np.sign(truth))
                     if truth != 0 else n_rep)
    w0 = weights[0]
    m, lo, hi = effect[0]
    nm, nlo, nhi = fits["naive"]
    return {
        "selected_scale": Output(float(selected[0]), "m",
                                 description=f"scale of highest posterior weight, first "
                                 f"landscape (weight {w0.max():.3f}; true {p['true_scale']:g}"
                                 f" m, nearest candidate {nearest:.0f} m)"),
        "selected_scale_weight": Output(float(w0.max()), "",
                                        description="its posterior probability"),
        "recovery_rate": Output(hits / n_rep, "", *wilson_interval(hits, n_rep),
                                f"fraction of {n_rep} landscapes where the nearest candidate "
                                f"to the true scale is selected ({hits}; Wilson 95%)"),
        "effect": Output(m, "", lo, hi, "community mean pyrodiversity effect, first "
                         "landscape (logit per SD; 95% credible interval)"),
        "effect_without_env": Output(nm, "", nlo, nhi, "the same, fitted without the "
                                     "environmental covariate (confounded)"),
        "effect_coverage": Output(covered / n_rep, "", *wilson_interval(covered, n_rep),
                                  f"fraction of landscapes whose 95% interval covers the "
                                  f"true effect ({covered}/{n_rep})"),
        "effect_sign_rate": Output(right_sign / n_rep, "", *wilson_interval(right_sign, n_rep),
                                   f"fraction of landscapes whose 95% interval excludes zero "
                                   f"on the true side ({right_sign}/{n_rep})"),
    }


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """The replicate fits, their outputs and convergence, and the Dataset of the figures."""
    p = runs.params
    scales = candidate_scales(p["scale_min"], p["scale_max"], int(p["n_scales"]))
    check_design(p, scales)
    nearest = nearest_candidate(scales, p["true_scale"])
    fits, timings = replicates(p, ctx, scales)
    survey, effect = fits["survey"], fits["effect"]
    ds = xr.Dataset(
        {
            "scale_weight": (("replicate", "scale"), fits["weights"], {"units": "1"}),
            "effect_mean": (("replicate",), effect[:, 0], {"units": "1"}),
            "effect_lo": (("replicate",), effect[:, 1], {"units": "1"}),
            "effect_hi": (("replicate",), effect[:, 2], {"units": "1"}),
            "max_rhat": (("replicate",), fits["max_rhat"], {"units": "1"}),
            "divergences": (("replicate",), fits["divergences"], {"units": "1"}),
            "fire_class": (("x", "y"), survey["classes"].astype(np.int16), {"units": "1"}),
            "pyrodiversity": (("scale", "x", "y"),
                              survey["pyro_map"][:-1].astype(np.float32), {"units": "1"}),
            "site_x": (("site",), survey["sites"][:, 0], {"units": "1"}),
            "site_y": (("site",), survey["sites"][:, 1], {"units": "1"}),
            "detections": (("site", "species"), survey["y"], {"units": "1"}),
        },
        coords={"scale": ("scale", scales, {"units": "m"}),
                "replicate": ("replicate", np.arange(effect.shape[0]), {"units": "1"})},
        attrs={"true_scale_m": p["true_scale"], "nearest_candidate_m": nearest,
               "fires_first_landscape": int(survey["fires"]),
               "cell_size_m": float(p["cell_size"]), "effect_true": float(p["effect_mean"]),
               # (mean, lo, hi) of the first landscape's fit without the environment
               "effect_without_env": np.asarray(fits["naive"], dtype=float)},
    )
    return Analysis(outputs=_outputs(p, fits, scales, nearest), dataset=ds,
                    validity=_validity(fits, float(p["chains"])), timings=timings)
