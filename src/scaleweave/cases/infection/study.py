"""The ``infection`` study and coupling (wiring), and the stages run in ``analyse``.

* ``binding`` (a :class:`~scaleweave.core.study.Study`): the QSSA bridge
  :class:`~scaleweave.bridges.reduction.binding.BindingQSSAModel` (instance ``qssa``)
  turns the binding constants into the infection rate ``beta`` and its epsilon.
* ``coupled`` (a :class:`~scaleweave.core.coupler.Coupler`, handed to ``analyse``
  unrun): the stochastic cells
  (:class:`~scaleweave.engines.kinetics.cell_sheet.CellSheetSubmodel`) and the
  interferon field
  (:class:`~scaleweave.engines.continuum.reaction_diffusion.ReactionDiffusionSubmodel`)
  exchanging ``cells.source -> field.source`` and ``field.ifn -> cells.ifn``. The
  binding study's ``beta`` is the cells' infection rate: ``analyse`` sets it before the
  coupler runs (a link from a study into a concurrent coupling).

``analyse`` then runs, through the context (seeds, checkpoints, progress): the
establishment ensemble without protection, the coupled arm with interferon
(checkpointed), the arm without it (the sheet alone) and the steady field of one
producing cell.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import xarray as xr

from scaleweave.analytic.branching import branching_establishment, infection_r0
from scaleweave.analytic.point_source import point_source_2d
from scaleweave.bridges.reduction.binding import BindingQSSAModel
from scaleweave.cases.base import Analysis, CaseRuns, RunContext, Sampling, StudyRun
from scaleweave.core.checks import Validity
from scaleweave.core.coupler import Coupler, Exchange
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.progress import progress_bar
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.engines.continuum.reaction_diffusion import (
    ReactionDiffusion,
    ReactionDiffusionSubmodel,
)
from scaleweave.engines.kinetics.cell_sheet import (
    ESTABLISHED,
    CellSheet,
    CellSheetSubmodel,
    InfectedFractionRecorder,
)
from scaleweave.uq.intervals import wilson_interval

__all__ = ["analyse", "binding_study", "cell_rates", "coupling", "establishment",
           "field_reference", "sampling", "study"]

#: Seed keys of the cell sheets' streams (the establishment runs and the two arms).
_EST_STREAM, _PROTECTED_STREAM, _UNPROTECTED_STREAM = 1, 2, 3
_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]


def _steps(p: ParameterValues) -> tuple[int, float]:
    """Macro steps and the end time (s), a whole number of macro steps."""
    n_macro = max(1, round(p["t_end"] / p["macro_dt"]))
    return n_macro, n_macro * p["macro_dt"]


def cell_rates(p: ParameterValues, beta: float | None = None) -> dict[str, float]:
    """The cell sheet's rates (1/s); ``beta`` (from the binding study) when given."""
    rates = {"clearance": p["clearance"], "eclipse": 1.0 / p["eclipse_time"],
             "death": 1.0 / p["producing_time"],
             "production": p["burst_size"] / p["producing_time"]}
    return rates if beta is None else {"beta": beta, **rates}


def binding_study(p: ParameterValues) -> Study:
    """The QSSA bridge ``qssa``; the case binds the rate constants and the dose to it."""
    study = Study([BindingQSSAModel(name="qssa")])
    return study.set_input("qssa.n_cells", int(p["n_side"]) ** 2)


def coupling(p: ParameterValues, seed: int) -> Coupler:
    """The arm with interferon: cells and field, exchanged every macro step.

    The cells' sheet has no infection rate yet (``rates["beta"]``): the binding
    study provides it.
    """
    n_side, h, H = int(p["n_side"]), p["cell_size"], p["macro_dt"]
    sheet = CellSheet(n_side, int(p["replicas"]), int(p["virions0"]), cell_rates(p), seed,
                      (_PROTECTED_STREAM,))
    rd = ReactionDiffusion((n_side, n_side), h, p["ifn_diffusivity"], p["ifn_decay"],
                           "neumann")
    cells = CellSheetSubmodel(sheet, H, secretion=p["secretion"], spacing=rd.spacing,
                              k_protect=p["protection_rate"], k_half=p["ifn_half"],
                              hill=p["ifn_hill"])
    field = ReactionDiffusionSubmodel(rd, sheet.replicas, H / int(p["field_substeps"]),
                                      field="ifn", unit="1/m^2")
    return Coupler([cells, field], [Exchange("cells.source", "field.source"),
                                    Exchange("field.ifn", "cells.ifn")], H)


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Any]:
    """The binding study and the coupling, by label (nothing runs)."""
    return {"binding": binding_study(p), "coupled": coupling(p, ctx.seed)}


def sampling(label: str, p: ParameterValues) -> Sampling:
    """Uncertain binding constants: 1024 quasi-random samples of the (cheap) QSSA
    bridge; ``replicas`` (what ``--samples`` sets) is the coupled ensemble's size."""
    return Sampling(n=1024)


def establishment(p: ParameterValues, rates: dict[str, float], seed: int) -> int:
    """Runs (of ``establishment_runs``, no protection) reaching the threshold."""
    est = CellSheet(int(p["n_side"]), int(p["establishment_runs"]), int(p["virions0"]),
                    rates, seed, (_EST_STREAM,))
    est.advance(0.0, math.inf, stop_infected=int(p["establishment_threshold"]))
    return int(np.sum(est.status == ESTABLISHED))


def field_reference(p: ParameterValues) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Steady interferon of one producing cell against ``q K0(r/lambda)/(2 pi D)``.

    On a zero-flux grid at least 8 decay lengths across each way (odd, so the source
    cell is the centre); the profile out to 4 decay lengths.

    Returns ``(r_cells, profile (1/m^2), exact (1/m^2, NaN at r = 0), max relative
    error for r >= 2 cells)``.
    """
    h, D, k = p["cell_size"], p["ifn_diffusivity"], p["ifn_decay"]
    lam = math.sqrt(D / k)
    n_ref = max(int(p["n_side"]), 2 * math.ceil(8 * lam / h) + 1)
    n_ref += 1 - n_ref % 2
    rd = ReactionDiffusion((n_ref, n_ref), h, D, k, "neumann")
    src = np.zeros((n_ref, n_ref))
    ic = n_ref // 2
    q = p["secretion"] if p["secretion"] > 0 else 1.0
    src[ic, ic] = q / h**2
    c = rd.steady(src)
    r_cells = np.arange(0, min(ic, math.ceil(4 * lam / h)) + 1)
    profile = c[ic, ic + r_cells]
    exact = np.where(r_cells > 0, point_source_2d(np.maximum(r_cells, 1e-9) * h, q, D, k),
                     np.nan)
    far = r_cells >= 2
    return r_cells, profile, exact, float(np.max(np.abs(profile[far] / exact[far] - 1.0)))


def _binding(run: StudyRun, p: ParameterValues) -> tuple[float, float, Output]:
    """``beta`` and epsilon at the nominal inputs, and the ``beta_effective`` output
    (with its 95% interval when binding constants were propagated)."""
    desc = "QSSA infection rate per virion per susceptible cell"
    if run.result is not None:
        beta, eps = float(run.si("qssa.beta")), float(run.si("qssa.epsilon"))
        return beta, eps, Output(beta, "1/s", description=desc)
    from scaleweave.uq.propagate import summary_value

    nominal = run.study.run(params={n: p[n] for n in run.uncertain})
    beta, eps = float(nominal.si["qssa.beta"]), float(nominal.si["qssa.epsilon"])
    prop = run.propagation
    _, lo, hi = summary_value(prop, "qssa.beta")
    return beta, eps, Output(beta, "1/s", lo, hi,
                             f"{desc} at the median inputs (the coupled runs use it); "
                             f"range over the binding constants ({prop.mode})",
                             kind="estimate" if prop.mode == "distribution" else "bounds")


def _fraction_output(f: np.ndarray, description: str) -> Output:
    m = float(f.mean())
    se = float(f.std(ddof=1) / math.sqrt(f.size))
    return Output(m, "", m - 1.96 * se, m + 1.96 * se, description, error=se)


def _share_output(hits: int, n: int, description: str) -> Output:
    lo, hi = wilson_interval(hits, n)
    share = hits / n
    return Output(share, "", lo, hi, description,
                  error=math.sqrt(share * (1 - share) / n))


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Establishment, the two coupled arms and the field reference (see the module)."""
    p = runs.params
    timings: dict[str, float] = {}
    n_side, h = int(p["n_side"]), p["cell_size"]
    n_cells, v0, replicas = n_side * n_side, int(p["virions0"]), int(p["replicas"])
    n_est, k_est = int(p["establishment_runs"]), int(p["establishment_threshold"])
    n_macro, t_end = _steps(p)
    beta, epsilon, beta_out = _binding(runs["binding"], p)
    rates = cell_rates(p, beta)

    tic = time.perf_counter()
    established = establishment(p, rates, ctx.seed)
    p_branch = branching_establishment(v0, beta * n_cells, p["clearance"],
                                       rates["production"], rates["death"])
    timings["establishment"] = time.perf_counter() - tic

    tic = time.perf_counter()
    coupler: Coupler = runs["coupled"].study
    cells = coupler.submodels["cells"]
    cells.sheet.rates["beta"] = beta  # the binding study feeds the coupled cells
    protected = InfectedFractionRecorder(cells.sheet)
    alone = CellSheet(n_side, replicas, v0, rates, ctx.seed, (_UNPROTECTED_STREAM,))
    unprotected = InfectedFractionRecorder(alone)
    with progress_bar(2 * n_macro, "infection", quiet=ctx.quiet) as bar:
        ckpt = ctx.checkpoint("infection-protected",
                              {"params": dict(p.si), "stream": _PROTECTED_STREAM}, n_macro)
        coupler.run(t_end, observe=protected, progress=bar.update, checkpoint=ckpt)
        H = p["macro_dt"]
        for m in range(n_macro):  # without interferon: the sheet alone
            alone.advance(m * H, (m + 1) * H)
            unprotected((m + 1) * H)
            bar.update(1)
    timings["coupled"] = time.perf_counter() - tic
    times, frac_p = protected.arrays()
    frac = {"protected": frac_p, "unprotected": unprotected.arrays()[1]}
    sheets = {"protected": cells.sheet, "unprotected": alone}

    tic = time.perf_counter()
    r_cells, profile, exact, field_err = field_reference(p)
    timings["field_reference"] = time.perf_counter() - tic

    lam = math.sqrt(p["ifn_diffusivity"] / p["ifn_decay"])
    _, r0 = infection_r0(beta * n_cells, p["clearance"], rates["production"], rates["death"])
    took = {arm: int(np.sum(frac[arm][-1] * n_cells >= k_est)) for arm in frac}
    outputs = {
        "establishment_probability": _share_output(
            established, n_est,
            f"P(>= {k_est} cells infected) without protection, Wilson 95% interval"),
        "establishment_branching": Output(p_branch, "",
                                          description="branching-process prediction"),
        "takeoff_protected": _share_output(
            took["protected"], replicas, f"fraction of {replicas} coupled runs with >= "
                                         f"{k_est} infected at t_end, with interferon"),
        "takeoff_unprotected": _share_output(took["unprotected"], replicas,
                                             "same without interferon"),
        "infected_fraction_protected": _fraction_output(
            frac["protected"][-1], "mean infected fraction at t_end with interferon (95% CI)"),
        "infected_fraction_unprotected": _fraction_output(frac["unprotected"][-1],
                                                          "same without interferon"),
        "beta_effective": beta_out,
        "qssa_epsilon": Output(epsilon, "", description="(k_on N + c)/(k_off + k_entry)"),
        "R0": Output(r0, "", description="infections caused by one producing cell"),
        "ifn_decay_length": Output(lam, "m", description="sqrt(D/k)"),
        "field_error_max": Output(field_err, "", description="vs K0, r >= 2 cells"),
    }
    outputs["protection_effect"] = Output(
        outputs["infected_fraction_unprotected"].value
        - outputs["infected_fraction_protected"].value, "",
        description="mean infected fraction prevented by interferon at t_end")
    ds = _dataset(p, times, frac, coupler.submodels["field"].c, sheets["protected"],
                  (r_cells, profile, exact), outputs)
    ds.attrs.update({"beta_per_s": beta, "epsilon": epsilon,
                     "events_protected": int(sheets["protected"].events.sum()),
                     "establishment_runs": n_est, "establishment_threshold": k_est})
    validity = [Validity("coupler", "interferon decay length / cell size (field resolved "
                                    "on the cell grid)", lam / h, 2.0, "ge")]
    return Analysis(outputs=outputs, dataset=ds, validity=validity, timings=timings)


def _dataset(p: ParameterValues, times: np.ndarray, frac: dict[str, np.ndarray],
             field: np.ndarray, sheet: CellSheet, profiles: tuple[np.ndarray, ...],
             outputs: dict[str, Output]) -> xr.Dataset:
    """Everything the figures draw, with units; the headline numbers as attributes."""
    n_side, h, replicas = int(p["n_side"]), p["cell_size"], int(p["replicas"])
    r_cells, profile, exact = profiles
    quantiles = {arm: np.quantile(f, _QUANTILES, axis=1) for arm, f in frac.items()}
    ds = xr.Dataset(
        {
            **{f"infected_fraction_{arm}": (("time", "replica"), f,
                                            {"units": "1", "long_name":
                                             f"cells ever infected / all cells ({arm})"})
               for arm, f in frac.items()},
            **{f"infected_quantiles_{arm}": (("quantile", "time"), q, {"units": "1"})
               for arm, q in quantiles.items()},
            "ifn_final": (("replica", "y", "x"), field,
                          {"units": "1/m^2", "long_name": "interferon at t_end"}),
            "state_final": (("replica", "y", "x"), sheet.state.reshape(replicas, n_side, n_side),
                            {"units": "1", "long_name": "cell state 0 S 1 E 2 I 3 D 4 P"}),
            "ifn_profile": ("r_cells", profile, {"units": "1/m^2"}),
            "ifn_profile_k0": ("r_cells", exact, {"units": "1/m^2"}),
        },
        coords={"time": ("time", times, {"units": "s"}),
                "replica": ("replica", np.arange(replicas), {"units": "1"}),
                "quantile": ("quantile", _QUANTILES, {"units": "1"}),
                "y": ("y", (np.arange(n_side) + 0.5) * h, {"units": "m"}),
                "x": ("x", (np.arange(n_side) + 0.5) * h, {"units": "m"}),
                "r_cells": ("r_cells", r_cells * h, {"units": "m"})},
    )
    est = outputs["establishment_probability"]
    ds.attrs.update({"p_establishment": est.value, "p_establishment_lo": est.lo,
                     "p_establishment_hi": est.hi,
                     "p_branching": outputs["establishment_branching"].value})
    for arm in frac:
        out = outputs[f"takeoff_{arm}"]
        ds.attrs.update({f"takeoff_{arm}": out.value, f"takeoff_{arm}_lo": out.lo,
                         f"takeoff_{arm}_hi": out.hi})
    return ds
