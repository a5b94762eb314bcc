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

from scaleweave.analytic.branching import (
    branching_establishment,
    infection_r0,
    threshold_probability,
)
from scaleweave.bridges.reduction.binding import BindingQSSAModel
from scaleweave.cases.base import Analysis, CaseRuns, RunContext, Sampling, StudyRun
from scaleweave.cases.infection.field import (
    cells_submodel,
    field_grid,
    field_reference,
    field_unit,
    three_d,
)
from scaleweave.core.checks import Validity
from scaleweave.core.coupler import Coupler, Exchange
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.progress import progress_bar
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.engines.continuum.reaction_diffusion import ReactionDiffusionSubmodel
from scaleweave.engines.kinetics.cell_sheet import (
    ESTABLISHED,
    CellSheet,
    InfectedFractionRecorder,
)
from scaleweave.errors import ConfigError
from scaleweave.uq.intervals import wilson_interval

__all__ = ["analyse", "binding_study", "cell_rates", "check_inputs", "coupling",
           "establishment", "exact_establishment", "field_reference", "sampling", "study"]

#: Seed keys of the cell sheets' streams (the establishment runs and the two arms).
_EST_STREAM, _PROTECTED_STREAM, _UNPROTECTED_STREAM = 1, 2, 3
_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]
#: Cells (replicas x cells per sheet) of one batch of establishment runs (memory).
_EST_BATCH_CELLS = 2**22


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


def check_inputs(p: ParameterValues) -> None:
    """Settings that only make sense together (each alone is range-checked).

    Raises
    ------
    ConfigError
        More cells to count as established than the sheet has; a 3D medium that is not
        a whole number of at least 2 cell sizes.
    """
    n_cells = int(p["n_side"]) ** 2
    if int(p["establishment_threshold"]) > n_cells:
        raise ConfigError(f"parameter 'establishment_threshold' = "
                          f"{int(p['establishment_threshold'])} is above the sheet's "
                          f"{n_cells} cells (n_side = {int(p['n_side'])})")
    field_grid(p)  # the medium's layers (3D)


def coupling(p: ParameterValues, seed: int) -> Coupler:
    """The arm with interferon: cells and field (2D film or 3D medium), exchanged every
    macro step.

    The cells' sheet has no infection rate yet (``rates["beta"]``): the binding
    study provides it.
    """
    H = p["macro_dt"]
    sheet = CellSheet(int(p["n_side"]), int(p["replicas"]), int(p["virions0"]), cell_rates(p),
                      seed, (_PROTECTED_STREAM,))
    rd = field_grid(p)
    cells = cells_submodel(p, sheet, rd, H)
    field = ReactionDiffusionSubmodel(rd, sheet.replicas, H / int(p["field_substeps"]),
                                      field="ifn", unit=field_unit(p))
    return Coupler([cells, field], [Exchange("cells.source", "field.source"),
                                    Exchange("field.ifn", "cells.ifn")], H)


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Any]:
    """The binding study and the coupling, by label (nothing runs)."""
    check_inputs(p)
    return {"binding": binding_study(p), "coupled": coupling(p, ctx.seed)}


def sampling(label: str, p: ParameterValues) -> Sampling:
    """Uncertain binding constants: 1024 quasi-random samples of the (cheap) QSSA
    bridge; ``replicas`` (what ``--samples`` sets) is the coupled ensemble's size."""
    return Sampling(n=1024)


def establishment(p: ParameterValues, rates: dict[str, float], seed: int) -> int:
    """Runs (of ``establishment_runs``, no protection) in which at least
    ``establishment_threshold`` cells are ever infected.

    In batches of at most :data:`_EST_BATCH_CELLS` cells (the sheets' memory); the
    first batch has the stream of an unbatched run, batch ``b > 0`` the seed key
    ``(stream, b)``.
    """
    n_side, n_runs = int(p["n_side"]), int(p["establishment_runs"])
    batch = max(1, _EST_BATCH_CELLS // (n_side * n_side))
    hits = 0
    for b, first in enumerate(range(0, n_runs, batch)):
        est = CellSheet(n_side, min(batch, n_runs - first), int(p["virions0"]), rates, seed,
                        (_EST_STREAM,) if b == 0 else (_EST_STREAM, b))
        est.advance(0.0, math.inf, stop_infected=int(p["establishment_threshold"]))
        hits += int(np.sum(est.status == ESTABLISHED))
    return hits


def exact_establishment(p: ParameterValues, beta: float) -> float:
    """The exact probability of what :func:`establishment` counts: at least
    ``establishment_threshold`` cells ever infected from ``virions0`` virions on the
    sheet's ``n_side^2`` cells (:func:`~scaleweave.analytic.branching.threshold_probability`)."""
    n_cells = int(p["n_side"]) ** 2
    rates = cell_rates(p)
    return threshold_probability(int(p["virions0"]), int(p["establishment_threshold"]),
                                 beta * n_cells, rates["clearance"], rates["production"],
                                 rates["death"], n_cells)


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
    p_exact = exact_establishment(p, beta)
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
        "establishment_exact": Output(
            p_exact, "", description=f"exact P(>= {k_est} cells ever infected): first "
                                     "passage of the embedded jump chain"),
        "establishment_branching": Output(
            p_branch, "", description="long-run survival probability of the branching "
                                      "process (never dies out; not the counted event)"),
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
        "field_error_max": Output(field_err, "", description="steady field of one "
                                  "producing cell vs the point source, r >= 2 cells"),
    }
    outputs["protection_effect"] = Output(
        outputs["infected_fraction_unprotected"].value
        - outputs["infected_fraction_protected"].value, "",
        description="mean infected fraction prevented by interferon at t_end")
    ds = _dataset(p, times, frac, coupler.submodels["field"].c, sheets["protected"],
                  (r_cells, profile, exact), outputs)
    ds.attrs.update({"beta_per_s": beta, "epsilon": epsilon,
                     "events_protected": int(sheets["protected"].events.sum()),
                     "establishment_runs": n_est, "establishment_threshold": k_est,
                     "field_dimension": 3 if three_d(p) else 2})
    validity = [Validity("coupler", "interferon decay length / cell size (field resolved "
                                    "on the cell grid)", lam / h, 2.0, "ge")]
    return Analysis(outputs=outputs, dataset=ds, validity=validity, timings=timings)


def _dataset(p: ParameterValues, times: np.ndarray, frac: dict[str, np.ndarray],
             field: np.ndarray, sheet: CellSheet, profiles: tuple[np.ndarray, ...],
             outputs: dict[str, Output]) -> xr.Dataset:
    """Everything the figures draw, with units; the headline numbers as attributes."""
    n_side, h, replicas = int(p["n_side"]), p["cell_size"], int(p["replicas"])
    r_cells, profile, exact = profiles
    unit = field_unit(p)
    where = "in the medium's floor layer " if three_d(p) else ""
    if three_d(p):
        field = field[..., 0]
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
                          {"units": unit, "long_name": f"interferon {where}at t_end"}),
            "state_final": (("replica", "y", "x"), sheet.state.reshape(replicas, n_side, n_side),
                            {"units": "1", "long_name": "cell state 0 S 1 E 2 I 3 D 4 P"}),
            "ifn_profile": ("r_cells", profile, {"units": unit, "long_name": (
                f"steady interferon {where}around one producing cell")}),
            "ifn_profile_exact": ("r_cells", exact, {"units": unit, "long_name": (
                "point-source solution (Yukawa, mirrored in the walls)" if three_d(p)
                else "point-source solution q K0(r/lambda)/(2 pi D)")}),
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
                     "p_branching": outputs["establishment_branching"].value,
                     "p_exact": outputs["establishment_exact"].value})
    for arm in frac:
        out = outputs[f"takeoff_{arm}"]
        ds.attrs.update({f"takeoff_{arm}": out.value, f"takeoff_{arm}_lo": out.lo,
                         f"takeoff_{arm}_hi": out.hi})
    return ds
