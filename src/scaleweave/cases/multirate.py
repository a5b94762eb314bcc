"""Case ``multirate``: tiny steps where things are fast, large ones elsewhere.

The essay's crack: bonds at the tip vibrate far faster than the medium around it,
and an explicit integrator with one step everywhere must resolve the fastest motion.
Here a chain of ``n_masses`` equal masses between fixed walls has springs of
stiffness ``spring_constant`` except a central block (``stiff_fraction`` of the
springs) that is ``stiffness_ratio`` times stiffer. A smooth displacement pulse
starts in the soft part and runs through the stiff block.

The case proves the multi-rate coupler against the exact normal-mode solution:

* velocity Verlet's single-rate limit ``dt_crit = 2 / omega_max`` from the
  eigenvalues, the measured threshold where it really goes unstable (bisection),
  the bounded energy just below it and the exact growth rate just above it;
* the multi-rate scheme (stiff block subcycled ``substeps`` times inside each macro
  step, slow boundary displacements interpolated linearly) stays stable at a macro
  step far above ``dt_crit``, converges at second order, and keeps its energy;
* its cost in mass updates against single-rate Verlet at equal (or better) error.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from scaleweave.bridges.timestepping.multirate import MultirateChain, partition_chain
from scaleweave.cases.base import Case, RunContext
from scaleweave.core.checks import ReferenceCheck, Validity
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.progress import progress_bar
from scaleweave.core.results import CaseResult, Output
from scaleweave.engines.particles.spring_chain import (
    build_chain,
    chain_energy,
    chain_modes,
    max_frequency,
    modal_solution,
    verlet,
    verlet_energy_error_bound,
    verlet_growth_factor,
)

__all__ = ["MultirateChainCase"]

_HLW = "Hairer, Lubich & Wanner (2006), Geometric Numerical Integration, ch. I.1 & XIII.2"


def _unstable(m, k, x0, dt, n_steps) -> bool:
    _, _, e = verlet(m, k, x0, np.zeros_like(x0), dt, n_steps, record_every=n_steps // 20,
                     blowup=1e6 * chain_energy(m, k, x0, np.zeros_like(x0)))
    return not e[-1] < 1e3 * e[0]


class MultirateChainCase(Case):
    """Single-rate vs multi-rate velocity Verlet on a chain with a stiff block."""

    name = "multirate"
    title = "Multi-rate time stepping: a chain with a stiff block"
    description = (
        "A chain of masses and springs with a stiff central block (the essay's crack tip: "
        "fast bonds in a slow medium). Velocity Verlet with one step must resolve the stiff "
        "block everywhere; the multi-rate coupler subcycles only the stiff block, with the "
        "soft neighbours' displacements interpolated in time, and is checked against the "
        "exact normal-mode solution."
    )
    parameters = (
        Parameter("n_masses", 100, "", "number of masses", low=3, high=1_000_000, integer=True),
        Parameter("stiff_fraction", 0.1, "", "fraction of springs in the stiff block",
                  low=0.0, high=1.0),
        Parameter("stiffness_ratio", 100.0, "", "stiff/soft spring ratio", low=0.0,
                  low_open=True),
        Parameter("mass", 1.0, "kg", "mass of each particle", low=0.0, low_open=True),
        Parameter("spring_constant", 1.0, "N/m", "soft spring stiffness", low=0.0,
                  low_open=True),
        Parameter("macro_dt", 0.5, "s", "multi-rate macro step", low=0.0, low_open=True),
        Parameter("substeps", 10, "", "stiff-block substeps per macro step", low=1,
                  high=100_000, integer=True),
        Parameter("t_end", 100.0, "s", "simulated time", low=0.0, low_open=True),
        Parameter("pulse_width", 6.0, "", "initial pulse width (in masses)", low=0.5),
    )
    quick: ClassVar[dict[str, Any]] = {"t_end": 60.0}

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        p = params
        n, H, sub, T = p["n_masses"], p["macro_dt"], p["substeps"], p["t_end"]
        m, k, stiff = build_chain(n, p["stiff_fraction"], p["stiffness_ratio"], p["mass"],
                                  p["spring_constant"])
        timings: dict[str, float] = {}
        tic = time.perf_counter()
        omega_max = max_frequency(m, k)
        dt_crit = 2.0 / omega_max
        n_macro = max(1, round(T / H))
        T = n_macro * H

        # Smooth pulse in the soft part; walls fixed, at rest.
        idx = np.arange(n)
        x0 = np.exp(-(((idx - n / 4) / p["pulse_width"]) ** 2))
        v0 = np.zeros(n)
        norm0 = float(np.linalg.norm(x0))
        x_exact, _ = modal_solution(m, k, x0, v0, T)

        # -- multi-rate at H, H/2, H/4 (second order: error ratio 4) -----------------
        def run_mr(h: float, record: bool, bar=None):
            chain = MultirateChain(m, k, x0, v0, h, sub, blocks=blocks)
            energies: list[tuple[float, float]] = []
            observe = (lambda t, c: energies.append((t, chain_energy(m, k, chain.x, chain.v)))
                       ) if record else None
            t0 = time.perf_counter()
            chain.coupler.run(T, observe=observe, progress=bar.update if bar else None)
            wall = time.perf_counter() - t0
            err = float(np.linalg.norm(chain.x - x_exact)) / norm0
            return chain, err, wall, np.asarray(energies)

        blocks = partition_chain(m, k, H)  # one partition for every level
        # Halve H until two successive error ratios agree (the asymptotic regime),
        # at most 7 levels: rough pulses need small steps before the order shows.
        levels, errs = [H], []
        with progress_bar(n_macro * (2**7 - 1), "multirate", quiet=ctx.quiet) as bar:
            chain, err_mr, wall_mr, e_mr = run_mr(H, True, bar)
            errs.append(err_mr)
            while len(levels) < 7:
                levels.append(levels[-1] / 2)
                errs.append(run_mr(levels[-1], False, bar)[1])
                r = [errs[j] / errs[j + 1] for j in range(len(errs) - 1)]
                if len(r) >= 3 and abs(r[-1] / r[-2] - 1) < 0.03:
                    break
        timings["multirate"] = time.perf_counter() - tic
        ratios = [errs[j] / errs[j + 1] for j in range(len(errs) - 1)]

        # -- single-rate Verlet at the cheapest stable step with error <= multi-rate -----
        tic = time.perf_counter()
        n_sr = math.ceil(T / (0.95 * dt_crit))
        x_sr, _, e_sr = verlet(m, k, x0, v0, T / n_sr, n_sr, record_every=max(1, n_sr // 400))
        err_sr = float(np.linalg.norm(x_sr - x_exact)) / norm0
        if err_sr > err_mr:  # accuracy, not stability, limits single-rate: shrink (order 2)
            n_sr = math.ceil(n_sr * math.sqrt(err_sr / err_mr) * 1.02)
            x_sr, _, e_sr = verlet(m, k, x0, v0, T / n_sr, n_sr,
                                   record_every=max(1, n_sr // 400))
            err_sr = float(np.linalg.norm(x_sr - x_exact)) / norm0
        t0 = time.perf_counter()
        verlet(m, k, x0, v0, T / n_sr, n_sr, record_every=0)
        wall_sr = time.perf_counter() - t0
        dt_sr = T / n_sr
        cost_sr = n_sr * n
        cost_mr = chain.node_updates
        timings["single_rate"] = time.perf_counter() - tic

        # -- stability of single-rate Verlet around dt_crit ------------------------------
        tic = time.perf_counter()
        x_rand = ctx.rng(0).standard_normal(n)  # excites every mode, the fastest too
        n_probe = 4000
        lo, hi = 0.9 * dt_crit, 1.1 * dt_crit
        while (hi - lo) > 1e-4 * dt_crit:
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if _unstable(m, k, x_rand, mid, n_probe) else (mid, hi)
        dt_threshold = 0.5 * (lo + hi)
        below, above = 0.98 * dt_crit, 1.02 * dt_crit
        _, _, e_below = verlet(m, k, x_rand, np.zeros(n), below, n_probe, record_every=1)
        n_above = 150
        x_top = chain_modes(m, k)[1][:, -1]  # pure fastest mode: growth is exactly |lambda|^2
        _, _, e_above = verlet(m, k, x_top, np.zeros(n), above, n_above, record_every=1,
                               blowup=1e300)
        fit = slice(n_above // 2, n_above + 1)
        steps = np.arange(e_above.size)
        growth_measured = float(np.exp(np.polyfit(steps[fit], np.log(e_above[fit]), 1)[0]))
        growth_exact = verlet_growth_factor(omega_max * above) ** 2
        shadow_bound = 1.0 / (1.0 - (omega_max * below / 2.0) ** 2)
        timings["stability"] = time.perf_counter() - tic

        e0 = e_mr[0, 1]
        rel_e = np.abs(e_mr[:, 1] / e0 - 1.0)
        half = rel_e.size // 2
        drift = float(abs(e_mr[half:, 1].mean() - e_mr[: half + 1, 1].mean()) / e0)
        energy_bound = verlet_energy_error_bound(m, k, x0, H)

        references = [
            ReferenceCheck("Verlet instability threshold (bisection) vs 2/omega_max [s]",
                           dt_threshold, dt_crit, 2e-3,
                           "linear stability of velocity Verlet: dt < 2/omega_max; " + _HLW),
            ReferenceCheck("max E/E0 at 0.98 dt_crit vs Verlet modified-energy bound",
                           float(e_below.max() / e_below[0]), shadow_bound, 0.0,
                           "modified energy of Verlet for a harmonic mode; " + _HLW, "le"),
            ReferenceCheck("energy growth per step at 1.02 dt_crit vs |lambda|^2",
                           growth_measured, growth_exact, 0.01,
                           "eigenvalues of the Verlet amplification matrix; " + _HLW),
            ReferenceCheck(f"error ratio e(H/{2 ** (len(levels) - 2)})/"
                           f"e(H/{2 ** (len(levels) - 1)}) (asymptotic)", ratios[-1], 4.0, 0.05,
                           "second-order accuracy of Verlet with linear interface interpolation",
                           "rel"),
            ReferenceCheck("single-rate error at the compared step <= multi-rate error "
                           "(equal-error cost comparison)", err_sr, err_mr, 0.0,
                           "single-rate step from the stability limit or, if accuracy limits, "
                           "from second-order error scaling", "le"),
            ReferenceCheck("multi-rate max relative energy error", float(rel_e.max()),
                           energy_bound, 0.0,
                           "Verlet energy error of each mode <= (omega H)^2/4, weighted by "
                           "the initial modal energies; " + _HLW, "le"),
            ReferenceCheck("multi-rate energy drift (second half vs first half mean)",
                           drift, 0.1 * energy_bound, 0.0,
                           "no secular drift for a symplectic-like scheme; " + _HLW, "le"),
        ]
        if H > 1.01 * dt_crit and 0 < chain.fast_masses < n:
            # A real multi-rate regime: the same macro step is fatal to single-rate Verlet.
            _, _, e_sr_at_h = verlet(m, k, x_rand, np.zeros(n), H, 200, record_every=1,
                                     blowup=1e300)
            references += [
                ReferenceCheck(
                    f"single-rate Verlet at the macro step ({H / dt_crit:.2f} dt_crit) "
                    "diverges: log10 max E/E0", float(np.log10(e_sr_at_h.max() / e_sr_at_h[0])),
                    3.0, 0.0, "dt > 2/omega_max is unstable; " + _HLW, "ge"),
            ]
        outputs = {
            "dt_crit": Output(dt_crit, "s", description="single-rate Verlet limit 2/omega_max"),
            "omega_max": Output(omega_max, "rad/s", description="largest eigenfrequency"),
            "dt_threshold_measured": Output(dt_threshold, "s",
                                            description="where single-rate Verlet blows up"),
            "macro_dt_over_dt_crit": Output(H / dt_crit, "",
                                            description="multi-rate macro step in dt_crit"),
            "error_multirate": Output(err_mr, "", description="||x - x_exact|| / ||x0|| at t_end"),
            "error_single_rate": Output(err_sr, "", description=f"at dt = {dt_sr:.4g} s"),
            "error_ratio_H": Output(ratios[0], "", description="e(H)/e(H/2); 4 = second order"),
            "convergence_order": Output(math.log2(ratios[-1]), "",
                                        description="log2 of the finest error ratio"),
            "energy_error_max": Output(float(rel_e.max()), "",
                                       description="multi-rate max |E/E0 - 1|"),
            "speedup_mass_updates": Output(cost_sr / cost_mr, "",
                                           description="single-rate / multi-rate mass updates"),
            "speedup_wall": Output(wall_sr / max(wall_mr, 1e-12), "",
                                   description="single-rate / multi-rate wall time; below ~10^4 "
                                               "masses Python overhead per block dominates "
                                               "(see the coupler_overhead benchmark)"),
        }

        ds = xr.Dataset(
            {
                "mass": ("mass_index", m, {"units": "kg", "long_name": "mass"}),
                "stiffness": ("spring", k, {"units": "N/m", "long_name": "spring stiffness"}),
                "x_initial": ("mass_index", x0, {"units": "m"}),
                "x_exact": ("mass_index", x_exact, {"units": "m",
                                                    "long_name": "normal-mode solution"}),
                "x_multirate": ("mass_index", chain.x, {"units": "m"}),
                "x_single_rate": ("mass_index", x_sr, {"units": "m"}),
                "energy_multirate": ("time", e_mr[:, 1], {"units": "J"}),
                "error_vs_macro_dt": ("macro_dt", np.asarray(errs),
                                      {"units": "1", "long_name": "||x - x_exact|| / ||x0||"}),
                "energy_below_dt_crit": ("probe_step", e_below, {"units": "J"}),
                "energy_above_dt_crit": ("probe_step_above", e_above, {"units": "J"}),
            },
            coords={
                "mass_index": ("mass_index", idx, {"units": "1"}),
                "spring": ("spring", np.arange(n + 1), {"units": "1"}),
                "time": ("time", e_mr[:, 0], {"units": "s"}),
                "macro_dt": ("macro_dt", np.asarray(levels), {"units": "s"}),
                "probe_step": ("probe_step", np.arange(e_below.size), {"units": "1"}),
                "probe_step_above": ("probe_step_above", np.arange(e_above.size),
                                     {"units": "1"}),
            },
            attrs={"dt_crit_s": dt_crit, "single_rate_dt_s": dt_sr,
                   "mass_updates_single_rate": int(cost_sr),
                   "mass_updates_multirate": int(cost_mr),
                   "fast_masses": int(chain.fast_masses)},
        )
        from scaleweave.cases._multirate_figures import figures

        worthwhile = Validity(
            "multirate coupler", "cost of multi-rate / single-rate at equal error (mass updates)",
            cost_mr / cost_sr, 1.0)
        return CaseResult(
            dataset=ds,
            outputs=outputs,
            references=references,
            validity=[*chain.validity(), worthwhile],
            figures=figures(ds, stiff, H, sub, dt_crit, e_sr, T, growth_exact),
            timings=timings,
        )
