"""Case ``infection``: a low-dose viral infection of a cell sheet, protected by interferon.

The essay's example of stochastic and deterministic together:

* **Virus binding (seconds)** to a target cell, ``V + S <-> B -> E``, is far faster
  than the infection cycle (hours). The QSSA bridge
  (:mod:`scaleweave.bridges.reduction.qssa`) slaves the bound complex ``B`` and returns the
  effective infection propensity ``beta V S`` with
  ``beta = k_on k_entry / (k_off + k_entry)``, and its validity diagnostic
  ``epsilon = (k_on N + c) / (k_off + k_entry)``.
* **Cells (stochastic)**: each cell of an ``n x n`` sheet is susceptible (S), in
  eclipse (E), producing virus (I), dead (D) or protected (P). Free virions (well
  mixed over the sheet) infect a uniformly chosen susceptible cell, are cleared at
  rate ``c``; eclipse ends at ``k_E``; producing cells release virions at ``p`` and die
  at ``delta``; a susceptible cell becomes protected at rate ``k_P x / (1 + x)``,
  ``x = (c_IFN / K_IFN)^n_H``, from its local interferon. Exact SSA over all cells in
  Numba (per-state index lists: O(1) per event, no loop over cells in Python).
* **Interferon (deterministic)**: secreted by producing cells at ``q`` molecules/s,
  diffusing (``D``) and decaying (``k``) on the sheet: the implicit
  reaction-diffusion engine (:mod:`scaleweave.engines.continuum.reaction_diffusion`), zero flux at
  the edges.
* **Coupled concurrently** with the multi-rate :class:`~scaleweave.core.coupler.Coupler`:
  the cells (event driven) advance over each macro step reading the field at its
  start; the field then takes ``field_substeps`` implicit steps reading the cells'
  source interpolated linearly over the step.

References checked in the summary:

* establishment probability without protection against the branching process it
  reduces to while susceptible cells are not depleted: a producing cell makes
  Geometric(delta/(p + delta)) virions, each infecting with probability
  ``f = beta N / (beta N + c)``; offspring infections have mean ``R0 = p f / delta`` and
  the extinction probability from one producing cell is ``q_I = 1/R0`` (the ``d/b`` of
  Kendall 1948), so ``P = 1 - (1 - f (1 - 1/R0))^V0`` from ``V0`` virions; within three
  binomial standard errors;
* the steady interferon field of one producing cell against ``q K0(r/lambda)/(2 pi D)``
  (within 1% for r >= 2 cells);
* QSSA epsilon (Segel & Slemrod 1989) below its limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import xarray as xr
from scipy.special import k0

from scaleweave.bridges.reduction.qssa import qssa_reduce
from scaleweave.cases.base import Case, RunContext
from scaleweave.core.checks import ReferenceCheck, Validity
from scaleweave.core.coupler import Coupler, Exchange, Submodel
from scaleweave.core.model import Port
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.progress import progress_bar
from scaleweave.core.results import CaseResult, Output
from scaleweave.core.waveform import Waveform
from scaleweave.engines.continuum.reaction_diffusion import ReactionDiffusion
from scaleweave.engines.kinetics.cell_sheet import ESTABLISHED, CellSheet
from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
from scaleweave.uq.intervals import wilson_interval

__all__ = [
    "InfectionCase",
    "binding_network",
    "branching_establishment",
    "effective_infection_rate",
]

_KENDALL = ("multi-type branching process (virion -> infected cell); extinction 1/R0 from a "
            "producing cell as d/b in Kendall (1948), Ann. Math. Stat. 19, 1")


# ------------------------------------------------------------------ small formulas
def branching_establishment(v0: int, beta_n: float, clearance: float, production: float,
                            death: float) -> float:
    """Establishment probability from ``v0`` virions in the branching limit (no depletion).

    Parameters
    ----------
    v0 : int
        Initial virions.
    beta_n : float
        Infection rate of one virion with all ``N`` cells susceptible (1/s).
    clearance, production, death : float
        Virion clearance ``c``, virion production ``p`` per producing cell, producing
        cell death ``delta`` (1/s).
    """
    f = beta_n / (beta_n + clearance)
    r0 = production * f / death
    p_cell = max(0.0, 1.0 - 1.0 / r0)
    return 1.0 - (1.0 - f * p_cell) ** int(v0)


def binding_network(v0: int, n_cells: int, k_on: float, k_off: float, k_entry: float,
                    clearance: float) -> ReactionNetwork:
    """Virus binding and entry, ``V + S <-> B -> E``, plus clearance ``V -> 0`` (1/s)."""
    return ReactionNetwork({"V": int(v0), "S": int(n_cells), "B": 0, "E": 0}, [
        Reaction({"V": 1, "S": 1}, {"B": 1}, k_on, "bind"),
        Reaction({"B": 1}, {"V": 1, "S": 1}, k_off, "unbind"),
        Reaction({"B": 1}, {"E": 1}, k_entry, "entry"),
        Reaction({"V": 1}, {}, clearance, "clear")])


def effective_infection_rate(net: ReactionNetwork, eps_max: float = 0.1
                             ) -> tuple[float, list[Validity], float]:
    """``beta`` (1/s per virion per susceptible cell) of ``V + S -> E`` by QSSA of ``B``.

    Returns ``(beta, validity, epsilon)``.
    """
    red = qssa_reduce(net, ["B"], eps_max=eps_max)
    eff = red.effective_network()
    beta = sum(r.rate for r in eff.reactions
               if dict(r.reactants) == {"V": 1, "S": 1} and r.products.get("E", 0) == 1)
    return float(beta), red.validity(), red.epsilon


# ------------------------------------------------------------------ Numba kernels
class _CellsSubmodel(Submodel):
    """The stochastic cells inside the coupler: imports the field, exports the source."""

    imports = (Port("ifn", "1/m^2", None, "interferon density on the sheet"),)
    exports = (Port("source", "1/(m^2*s)", None, "interferon secretion density"),)
    explicit = False

    def __init__(self, sheet: CellSheet, dt: float, secretion: float, spacing: float,
                 k_protect: float, k_half: float, hill: float = 1.0) -> None:
        super().__init__("cells", dt)
        self.hill = hill
        self.sheet, self.secretion, self.h = sheet, secretion, spacing
        self.k_protect, self.k_half = k_protect, k_half

    def export(self) -> dict[str, Any]:
        return {"source": self.sheet.producing_grid() * (self.secretion / self.h**2)}

    def state(self) -> dict[str, Any]:
        return {"sheet": self.sheet.snapshot(), "t": self.t, "work": self.work}

    def restore(self, state: Mapping[str, Any]) -> None:
        self.sheet.restore_snapshot(state["sheet"])  # in place: the case holds this sheet
        self.t, self.work = state["t"], state["work"]

    def advance(self, t0: float, t1: float, boundary: Mapping[str, Waveform]) -> None:
        c = np.asarray(boundary["ifn"](t0)).reshape(self.sheet.replicas, -1)
        if self.k_protect > 0:
            x = (c / self.k_half) ** self.hill
            prot = self.k_protect * x / (1.0 + x)
        else:
            prot = None
        before = int(self.sheet.events.sum())
        self.sheet.advance(t0, t1, prot)
        self.work += int(self.sheet.events.sum()) - before


class _FieldSubmodel(Submodel):
    """Interferon on every replica's sheet: implicit reaction-diffusion steps."""

    imports = (Port("source", "1/(m^2*s)", None, "interferon secretion density"),)
    exports = (Port("ifn", "1/m^2", None, "interferon density on the sheet"),)
    explicit = False

    def __init__(self, rd: ReactionDiffusion, replicas: int, dt: float) -> None:
        super().__init__("field", dt)
        self.rd = rd
        self.c = np.zeros((replicas, *rd.shape))

    def export(self) -> dict[str, Any]:
        return {"ifn": self.c}

    def state(self) -> dict[str, Any]:
        return {"c": self.c.copy(), "t": self.t, "work": self.work}

    def restore(self, state: Mapping[str, Any]) -> None:
        self.c[...] = state["c"]
        self.t, self.work = state["t"], state["work"]

    def advance(self, t0: float, t1: float, boundary: Mapping[str, Waveform]) -> None:
        n = max(1, round((t1 - t0) / self.dt))
        dt = (t1 - t0) / n
        src = boundary["source"]
        for m in range(n):
            s = src(t0 + (m + 0.5) * dt) if src.covers(t0 + (m + 0.5) * dt) else src(t0)
            for k in range(self.c.shape[0]):
                self.c[k] = self.rd.step(self.c[k], dt, s[k])
            self.work += self.c.shape[0]


def run_coupled(sheet: CellSheet, rd: ReactionDiffusion | None, t_end: float, macro_dt: float,
                field_substeps: int, secretion: float, k_protect: float, k_half: float,
                hill: float = 1.0, bar: Any = None, checkpoint: Any = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Run cells and field concurrently; infected fraction at every macro step.

    With a ``checkpoint`` (:class:`~scaleweave.core.checkpoint.Checkpoint`) the coupled
    run resumes from its last checkpoint after a kill, with identical results.

    Returns ``(times, fraction (n_times, replicas), final field or None)``.
    """
    times, frac = [0.0], [sheet.infected_fraction().copy()]
    if rd is None or k_protect <= 0:
        n_macro = round(t_end / macro_dt)
        for m in range(n_macro):
            sheet.advance(m * macro_dt, (m + 1) * macro_dt)
            times.append((m + 1) * macro_dt)
            frac.append(sheet.infected_fraction().copy())
            if bar is not None:
                bar.update(1)
        return np.asarray(times), np.asarray(frac), None
    cells = _CellsSubmodel(sheet, macro_dt, secretion, rd.spacing, k_protect, k_half, hill)
    field = _FieldSubmodel(rd, sheet.replicas, macro_dt / field_substeps)
    coupler = Coupler([cells, field], [Exchange("cells.source", "field.source"),
                                       Exchange("field.ifn", "cells.ifn")], macro_dt)

    record = _Recorder(sheet, times, frac)
    coupler.run(t_end, observe=record, progress=bar.update if bar is not None else None,
                checkpoint=checkpoint)
    return np.asarray(record.times), np.asarray(record.frac), field.c


class _Recorder:
    """The infected fraction at every synchronisation; its records go into checkpoints."""

    def __init__(self, sheet: CellSheet, times: list, frac: list) -> None:
        self.sheet, self.times, self.frac = sheet, times, frac

    def __call__(self, t: float, _c: Coupler) -> None:
        if t > 0:
            self.times.append(t)
            self.frac.append(self.sheet.infected_fraction().copy())

    def state(self) -> dict[str, list]:
        return {"times": list(self.times), "frac": [f.copy() for f in self.frac]}

    def restore(self, state: dict[str, list]) -> None:
        self.times, self.frac = list(state["times"]), list(state["frac"])


# ------------------------------------------------------------------ the case
class InfectionCase(Case):
    """Low-dose infection of a cell sheet: stochastic cells, QSSA binding, interferon field."""

    name = "infection"
    title = "Low-dose viral infection with interferon protection"
    description = (
        "A sheet of target cells meets a few virions: binding (seconds) reduced by QSSA to "
        "an infection propensity; each cell's infection and virus production stochastic "
        "(exact SSA); interferon from producing cells diffusing and decaying "
        "deterministically and protecting nearby cells; coupled by the multi-rate coupler."
    )
    parameters = (
        Parameter("n_side", 40, "", "cells per side of the sheet", low=4, high=400,
                  integer=True),
        Parameter("cell_size", 20.0, "um", "cell spacing", low=0.0, low_open=True),
        Parameter("virions0", 3, "", "initial free virions (dose)", low=1, high=10**7,
                  integer=True),
        Parameter("k_on", 3.125e-5, "1/s", "binding rate of a virion to one cell", low=0.0,
                  low_open=True, uncertain=True),
        Parameter("k_off", 1.0, "1/s", "unbinding rate", low=0.0, uncertain=True),
        Parameter("k_entry", 1.0, "1/h", "entry rate of a bound virion", low=0.0,
                  low_open=True, uncertain=True),
        Parameter("clearance", 0.05, "1/h", "free virion clearance", low=0.0, low_open=True,
                  uncertain=True),
        Parameter("eclipse_time", 6.0, "h", "mean eclipse phase", low=0.0, low_open=True),
        Parameter("producing_time", 10.0, "h", "mean life of a producing cell", low=0.0,
                  low_open=True),
        Parameter("burst_size", 6.0, "", "mean virions made by a producing cell", low=0.0,
                  low_open=True),
        Parameter("secretion", 3.0, "1/s", "interferon molecules secreted per producing "
                  "cell per second", low=0.0),
        Parameter("ifn_diffusivity", 10.0, "um^2/s", "interferon diffusivity", low=0.0,
                  low_open=True),
        Parameter("ifn_decay", 1.0, "1/h", "interferon decay rate", low=0.0, low_open=True),
        Parameter("ifn_half", 1.0, "1/um^2", "interferon density for half-maximal "
                  "protection", low=0.0, low_open=True),
        Parameter("ifn_hill", 2.0, "", "Hill coefficient of the protection response", low=0.5,
                  high=10.0),
        Parameter("protection_rate", 0.5, "1/h", "maximal protection rate of a cell "
                  "(0: protection off)", low=0.0),
        Parameter("t_end", 240.0, "h", "simulated time", low=0.0, low_open=True),
        Parameter("macro_dt", 1.0, "h", "coupling (synchronisation) step", low=0.0,
                  low_open=True),
        Parameter("field_substeps", 2, "", "implicit field steps per macro step", low=1,
                  high=1000, integer=True),
        Parameter("replicas", 48, "", "coupled runs per arm (with / without interferon)",
                  low=2, high=100_000, integer=True),
        Parameter("establishment_runs", 4000, "", "runs for the establishment probability",
                  low=10, high=10**7, integer=True),
        Parameter("establishment_threshold", 30, "", "infected cells that count as "
                  "established", low=2, integer=True),
    )
    samples_parameter = "replicas"
    quick: ClassVar[dict[str, Any]] = {"replicas": 24, "establishment_runs": 2000,
                                       "t_end": 200.0}

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        p = params
        timings: dict[str, float] = {}
        n_side, h = int(p["n_side"]), p["cell_size"]
        n_cells = n_side * n_side
        v0 = int(p["virions0"])
        replicas = int(p["replicas"])
        H = p["macro_dt"]
        n_macro = max(1, round(p["t_end"] / H))
        t_end = n_macro * H

        # -- QSSA of binding: effective infection rate ----------------------------------
        tic = time.perf_counter()
        bind = binding_network(v0, n_cells, p["k_on"], p["k_off"], p["k_entry"],
                               p["clearance"])
        beta, qssa_validity, epsilon = effective_infection_rate(bind)
        rates = {"beta": beta, "clearance": p["clearance"],
                 "eclipse": 1.0 / p["eclipse_time"], "death": 1.0 / p["producing_time"],
                 "production": p["burst_size"] / p["producing_time"]}
        timings["qssa"] = time.perf_counter() - tic

        # -- establishment probability without protection vs branching process -----------
        tic = time.perf_counter()
        n_est = int(p["establishment_runs"])
        k_est = int(p["establishment_threshold"])
        est = CellSheet(n_side, n_est, v0, rates, ctx.seed, (1,))
        est.advance(0.0, math.inf, stop_infected=k_est)
        established = int(np.sum(est.status == ESTABLISHED))
        p_est = established / n_est
        lo_est, hi_est = wilson_interval(established, n_est)
        p_branch = branching_establishment(v0, beta * n_cells, p["clearance"],
                                           rates["production"], rates["death"])
        se_branch = math.sqrt(max(p_branch * (1 - p_branch), 1e-12) / n_est)
        timings["establishment"] = time.perf_counter() - tic

        # -- coupled time courses, with and without interferon ---------------------------
        tic = time.perf_counter()
        rd = ReactionDiffusion((n_side, n_side), h, p["ifn_diffusivity"], p["ifn_decay"],
                               "neumann")
        arms: dict[str, tuple[np.ndarray, np.ndarray, Any]] = {}
        sheets: dict[str, CellSheet] = {}
        with progress_bar(2 * n_macro, "infection", quiet=ctx.quiet) as bar:
            for key, (arm, kp) in enumerate((("protected", p["protection_rate"]),
                                             ("unprotected", 0.0))):
                sheet = CellSheet(n_side, replicas, v0, rates, ctx.seed, (2 + key,))
                ckpt = ctx.checkpoint(f"infection-{arm}", {"params": dict(p.si),
                                                           "stream": 2 + key}, n_macro)
                arms[arm] = run_coupled(sheet, rd, t_end, H, int(p["field_substeps"]),
                                        p["secretion"], kp, p["ifn_half"], p["ifn_hill"],
                                        bar, checkpoint=ckpt)
                sheets[arm] = sheet
        timings["coupled"] = time.perf_counter() - tic
        times = arms["protected"][0]
        frac = {arm: arms[arm][1] for arm in arms}
        final_field = arms["protected"][2]

        # take-off in the coupled runs: at least k_est cells infected by t_end
        def took_off(arm: str) -> tuple[float, float, float, int]:
            n_up = int(np.sum(frac[arm][-1] * n_cells >= k_est))
            lo, hi = wilson_interval(n_up, replicas)
            return n_up / replicas, lo, hi, n_up

        takeoff = {arm: took_off(arm) for arm in frac}

        def final_mean(arm: str) -> tuple[float, float, float]:
            f = frac[arm][-1]
            m = float(f.mean())
            se = float(f.std(ddof=1) / math.sqrt(f.size))
            return m, m - 1.96 * se, m + 1.96 * se

        fin = {arm: final_mean(arm) for arm in frac}

        # -- steady field of one producing cell vs the K0 point-source solution ----------
        tic = time.perf_counter()
        lam = math.sqrt(p["ifn_diffusivity"] / p["ifn_decay"])
        n_ref = max(n_side, 2 * math.ceil(8 * lam / h) + 1)
        n_ref += 1 - n_ref % 2  # odd: the source cell is the centre
        rd_ref = ReactionDiffusion((n_ref, n_ref), h, p["ifn_diffusivity"], p["ifn_decay"],
                                   "neumann")
        src = np.zeros((n_ref, n_ref))
        ic = n_ref // 2
        q = p["secretion"] if p["secretion"] > 0 else 1.0
        src[ic, ic] = q / h**2
        c_ref = rd_ref.steady(src)
        r_cells = np.arange(0, min(ic, math.ceil(4 * lam / h)) + 1)
        profile = c_ref[ic, ic + r_cells]
        exact = np.where(r_cells > 0, q * k0(np.maximum(r_cells, 1e-9) * h / lam)
                         / (2 * np.pi * p["ifn_diffusivity"]), np.nan)
        far = r_cells >= 2
        field_err = float(np.max(np.abs(profile[far] / exact[far] - 1.0)))
        timings["field_reference"] = time.perf_counter() - tic

        references = [
            ReferenceCheck(
                f"establishment probability without protection ({n_est} runs, >= {k_est} "
                f"infected) vs branching process",
                p_est, p_branch, 3 * se_branch, _KENDALL + "; tolerance 3 binomial SE",
                "abs"),
            ReferenceCheck(
                "steady interferon around one producing cell: max relative error vs "
                "q K0(r/lambda)/(2 pi D), r >= 2 cells", field_err, 0.01, 0.0,
                "point source with decay in 2D (modified Bessel K0); Carslaw & Jaeger (1959)",
                "le"),
            ReferenceCheck(
                "QSSA epsilon of virus binding", epsilon, 0.1, 0.0,
                "Segel & Slemrod (1989), SIAM Rev. 31, 446: QSSA error O(epsilon)", "le"),
        ]
        f_inf = beta * n_cells / (beta * n_cells + p["clearance"])
        r0 = rates["production"] * f_inf / rates["death"]
        outputs = {
            "establishment_probability": Output(
                p_est, "", lo_est, hi_est,
                f"P(>= {k_est} cells infected) without protection, Wilson 95% interval"),
            "establishment_branching": Output(p_branch, "",
                                              description="branching-process prediction"),
            "takeoff_protected": Output(takeoff["protected"][0], "", takeoff["protected"][1],
                                        takeoff["protected"][2],
                                        f"fraction of {replicas} coupled runs with >= {k_est} "
                                        "infected at t_end, with interferon"),
            "takeoff_unprotected": Output(takeoff["unprotected"][0], "",
                                          takeoff["unprotected"][1],
                                          takeoff["unprotected"][2],
                                          "same without interferon"),
            "infected_fraction_protected": Output(fin["protected"][0], "", *fin["protected"][1:],
                                                  "mean infected fraction "
                                                  "at t_end with interferon (95% CI)"),
            "infected_fraction_unprotected": Output(fin["unprotected"][0], "",
                                                    *fin["unprotected"][1:],
                                                    "same without interferon"),
            "protection_effect": Output(fin["unprotected"][0] - fin["protected"][0], "",
                                        description="mean infected fraction prevented by "
                                                    "interferon at t_end"),
            "beta_effective": Output(beta, "1/s", description="QSSA infection rate per virion "
                                                             "per susceptible cell"),
            "qssa_epsilon": Output(epsilon, "", description="(k_on N + c)/(k_off + k_entry)"),
            "R0": Output(r0, "", description="infections caused by one producing cell"),
            "ifn_decay_length": Output(lam, "m", description="sqrt(D/k)"),
            "field_error_max": Output(field_err, "", description="vs K0, r >= 2 cells"),
        }
        quantiles = {arm: np.quantile(frac[arm], [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
                     for arm in frac}
        ds = xr.Dataset(
            {
                **{f"infected_fraction_{arm}": (("time", "replica"), frac[arm],
                                                {"units": "1", "long_name":
                                                 f"cells ever infected / all cells ({arm})"})
                   for arm in frac},
                **{f"infected_quantiles_{arm}": (("quantile", "time"), quantiles[arm],
                                                 {"units": "1"}) for arm in frac},
                "ifn_final": (("replica", "y", "x"), final_field,
                              {"units": "1/m^2", "long_name": "interferon at t_end"}),
                "state_final": (("replica", "y", "x"),
                                sheets["protected"].state.reshape(replicas, n_side, n_side),
                                {"units": "1", "long_name": "cell state 0 S 1 E 2 I 3 D 4 P"}),
                "ifn_profile": ("r_cells", profile, {"units": "1/m^2"}),
                "ifn_profile_k0": ("r_cells", exact, {"units": "1/m^2"}),
            },
            coords={"time": ("time", times, {"units": "s"}),
                    "replica": ("replica", np.arange(replicas), {"units": "1"}),
                    "quantile": ("quantile", [0.05, 0.25, 0.5, 0.75, 0.95], {"units": "1"}),
                    "y": ("y", (np.arange(n_side) + 0.5) * h, {"units": "m"}),
                    "x": ("x", (np.arange(n_side) + 0.5) * h, {"units": "m"}),
                    "r_cells": ("r_cells", r_cells * h, {"units": "m"})},
            attrs={"beta_per_s": beta, "epsilon": epsilon, "p_establishment": p_est,
                   "p_branching": p_branch, "events_protected":
                       int(sheets["protected"].events.sum())},
        )
        from scaleweave.cases._infection_figures import figures

        figs = figures(ds, p_est, (lo_est, hi_est), p_branch, takeoff, k_est, n_est)
        return CaseResult(dataset=ds, outputs=outputs, references=references,
                          validity=[*qssa_validity,
                                    Validity("coupler", "interferon decay length / cell size "
                                             "(field resolved on the cell grid)", lam / h, 2.0,
                                             "ge")],
                          figures=figs, timings=timings)

