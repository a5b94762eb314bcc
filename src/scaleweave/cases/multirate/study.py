"""The ``multirate`` chain, its multi-rate coupling (wiring), and the integration runs.

The runs are the case's own stages, not a study graph: the multi-rate coupler at
the macro step and at halved steps until the error ratio settles, single-rate
velocity Verlet at the cheapest step of equal error, and probes of single-rate
stability around ``dt_crit``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import xarray as xr

from scaleweave.bridges.timestepping.multirate import (
    RADIUS_GROWTH_LIMIT,
    MultirateChain,
    multirate_energy_bound,
    partition_chain,
)
from scaleweave.cases.base import Analysis, CaseRuns, RunContext
from scaleweave.core.checks import Validity
from scaleweave.core.coupler import Coupler
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.progress import progress_bar
from scaleweave.core.results import Output
from scaleweave.engines.particles.spring_chain import (
    build_chain,
    chain_energy,
    chain_modes,
    max_frequency,
    modal_solution,
    verlet,
    verlet_growth_factor,
)
from scaleweave.errors import ConfigError

__all__ = ["MAP_MAX_MASSES", "analyse", "chain_setup", "coupling", "energy_bound",
           "initial_pulse", "macro_steps", "study"]

#: At most this many macro-step levels H, H/2, ... in the convergence study.
_MAX_LEVELS = 7
#: Largest chain whose one-step map (2n x 2n) is eigen-decomposed for the energy bound.
MAP_MAX_MASSES = 400
_BOUNDS: dict[tuple, tuple[float, float]] = {}


def initial_pulse(p: ParameterValues) -> np.ndarray:
    """The initial displacement (m) of every mass: ``pulse_amplitude`` times the shape
    of ``u = (i - pulse_centre n) / pulse_width`` (see the case's docstring).

    Raises
    ------
    ConfigError
        The pulse displaces no mass (a triangle narrower than the mass spacing).
    """
    n = p["n_masses"]
    i = np.arange(n)
    u = (i - p["pulse_centre"] * n) / p["pulse_width"]
    shape = p["pulse_shape"]
    if shape == "sech":
        x = 1.0 / np.cosh(np.clip(u, -700.0, 700.0))
    elif shape == "triangle":
        x = np.maximum(0.0, 1.0 - np.abs(u))
    elif shape == "packet":
        x = np.exp(-(u**2)) * np.cos(2 * np.pi * (i - p["pulse_centre"] * n)
                                      / p["pulse_wavelength"])
    else:
        x = np.exp(-(u**2))
    if not np.any(np.abs(x) > 1e-12):
        raise ConfigError(f"parameter 'pulse_width' = {p['pulse_width']:g}: the "
                          f"{shape} pulse at {p['pulse_centre']:g} of the chain displaces "
                          "no mass; widen it")
    return p["pulse_amplitude"] * x


def chain_setup(p: ParameterValues) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Masses (kg), springs (N/m), the initial pulse (m, at rest) and the multi-rate
    blocks (the partition at the macro step)."""
    m, k, _ = build_chain(p["n_masses"], p["stiff_fraction"], p["stiffness_ratio"],
                          p["mass"], p["spring_constant"])
    return m, k, initial_pulse(p), partition_chain(m, k, p["macro_dt"])


def macro_steps(p: ParameterValues) -> int:
    """Macro steps of the run (``t_end`` rounded to a whole number of them)."""
    return max(1, round(p["t_end"] / p["macro_dt"]))


def energy_bound(p: ParameterValues) -> tuple[float, float] | None:
    """The multi-rate energy-error bound over the run and the step map's spectral
    radius (:func:`multirate_energy_bound`); None above :data:`MAP_MAX_MASSES`.

    Kept for the last few parameter sets: the references and the analysis both ask.
    """
    if p["n_masses"] > MAP_MAX_MASSES:
        return None
    key = tuple(sorted((name, str(value)) for name, value in p.si.items()))
    if key not in _BOUNDS:
        m, k, x0, blocks = chain_setup(p)
        while len(_BOUNDS) >= 4:
            _BOUNDS.pop(next(iter(_BOUNDS)))
        _BOUNDS[key] = multirate_energy_bound(m, k, x0, np.zeros_like(x0), blocks,
                                              p["macro_dt"], p["substeps"], macro_steps(p))
    return _BOUNDS[key]


def coupling(p: ParameterValues) -> Coupler:
    """The chain's blocks as submodels of one coupler at the macro step (the wiring)."""
    m, k, x0, blocks = chain_setup(p)
    return MultirateChain(m, k, x0, np.zeros_like(x0), p["macro_dt"], p["substeps"],
                          blocks=blocks).coupler


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Coupler]:
    """The chain's concurrent coupling (run by :func:`analyse`, at several steps)."""
    return {"chain": coupling(p)}


def _unstable(m, k, x0, dt, n_steps) -> bool:
    _, _, e = verlet(m, k, x0, np.zeros_like(x0), dt, n_steps, record_every=n_steps // 20,
                     blowup=1e6 * chain_energy(m, k, x0, np.zeros_like(x0)))
    return not e[-1] < 1e3 * e[0]


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Integrate, measure errors, energies and costs; the dataset the figures draw."""
    from scaleweave.cases.multirate.references import ABOVE, BELOW

    p = runs.params
    n, H, sub, T = p["n_masses"], p["macro_dt"], p["substeps"], p["t_end"]
    m, k, x0, blocks = chain_setup(p)
    _, _, stiff = build_chain(n, p["stiff_fraction"], p["stiffness_ratio"], p["mass"],
                              p["spring_constant"])
    timings: dict[str, float] = {}
    tic = time.perf_counter()
    omega_max = max_frequency(m, k)
    dt_crit = 2.0 / omega_max
    n_macro = macro_steps(p)
    T = n_macro * H
    v0 = np.zeros(n)
    norm0 = float(np.linalg.norm(x0))
    x_exact, _ = modal_solution(m, k, x0, v0, T)

    # -- multi-rate at H, H/2, H/4, ... (second order: error ratio 4) -------------------
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

    # Halve H until two successive error ratios agree (the asymptotic regime): rough
    # pulses need small steps before the order shows. One partition for every level.
    levels, errs = [H], []
    with progress_bar(n_macro * (2**_MAX_LEVELS - 1), "multirate", quiet=ctx.quiet) as bar:
        chain, err_mr, wall_mr, e_mr = run_mr(H, True, bar)
        errs.append(err_mr)
        while len(levels) < _MAX_LEVELS:
            levels.append(levels[-1] / 2)
            errs.append(run_mr(levels[-1], False, bar)[1])
            r = [errs[j] / errs[j + 1] for j in range(len(errs) - 1)]
            if len(r) >= 3 and abs(r[-1] / r[-2] - 1) < 0.03:
                break
    timings["multirate"] = time.perf_counter() - tic
    ratios = [errs[j] / errs[j + 1] for j in range(len(errs) - 1)]

    # -- single-rate Verlet at the cheapest stable step with error <= multi-rate -------
    tic = time.perf_counter()
    n_sr = math.ceil(T / (0.95 * dt_crit))
    x_sr, _, e_sr = verlet(m, k, x0, v0, T / n_sr, n_sr, record_every=max(1, n_sr // 400))
    err_sr = float(np.linalg.norm(x_sr - x_exact)) / norm0
    if err_sr > err_mr:  # accuracy, not stability, limits single-rate: shrink (order 2)
        n_sr = math.ceil(n_sr * math.sqrt(err_sr / err_mr) * 1.02)
        x_sr, _, e_sr = verlet(m, k, x0, v0, T / n_sr, n_sr, record_every=max(1, n_sr // 400))
        err_sr = float(np.linalg.norm(x_sr - x_exact)) / norm0
    t0 = time.perf_counter()
    verlet(m, k, x0, v0, T / n_sr, n_sr, record_every=0)
    wall_sr = time.perf_counter() - t0
    dt_sr = T / n_sr
    cost_sr = n_sr * n
    cost_mr = chain.node_updates
    timings["single_rate"] = time.perf_counter() - tic

    # -- stability of single-rate Verlet around dt_crit --------------------------------
    tic = time.perf_counter()
    x_rand = ctx.rng(0).standard_normal(n)  # excites every mode, the fastest too
    n_probe = 4000
    lo, hi = 0.9 * dt_crit, 1.1 * dt_crit
    while (hi - lo) > 1e-4 * dt_crit:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if _unstable(m, k, x_rand, mid, n_probe) else (mid, hi)
    dt_threshold = 0.5 * (lo + hi)
    _, _, e_below = verlet(m, k, x_rand, np.zeros(n), BELOW * dt_crit, n_probe, record_every=1)
    n_above = 150
    x_top = chain_modes(m, k)[1][:, -1]  # pure fastest mode: growth is exactly |lambda|^2
    _, _, e_above = verlet(m, k, x_top, np.zeros(n), ABOVE * dt_crit, n_above, record_every=1,
                           blowup=1e300)
    fit = slice(n_above // 2, n_above + 1)
    steps = np.arange(e_above.size)
    growth_measured = float(np.exp(np.polyfit(steps[fit], np.log(e_above[fit]), 1)[0]))
    timings["stability"] = time.perf_counter() - tic
    tic = time.perf_counter()
    bound = energy_bound(p)  # the scheme's one-step map: energy bound, spectral radius
    timings["energy_bound"] = time.perf_counter() - tic

    e0 = e_mr[0, 1]
    rel_e = np.abs(e_mr[:, 1] / e0 - 1.0)
    half = rel_e.size // 2
    drift = float(abs(e_mr[half:, 1].mean() - e_mr[: half + 1, 1].mean()) / e0)
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
        "error_ratio_finest": Output(
            ratios[-1], "", description=f"e(H/{2 ** (len(levels) - 2)})/"
                                        f"e(H/{2 ** (len(levels) - 1)}); 4 = second order"),
        "convergence_order": Output(math.log2(ratios[-1]), "",
                                    description="log2 of the finest error ratio"),
        "energy_error_max": Output(float(rel_e.max()), "",
                                   description="multi-rate max |E/E0 - 1|"),
        "energy_drift": Output(drift, "", description="|mean E, second half - first half| / E0"),
        "energy_ratio_below_dt_crit": Output(float(e_below.max() / e_below[0]), "",
                                             description=f"max E/E0 at {BELOW} dt_crit"),
        "energy_growth_above_dt_crit": Output(growth_measured, "",
                                              description=f"E growth per step at {ABOVE} "
                                                          "dt_crit"),
        "speedup_mass_updates": Output(cost_sr / cost_mr, "",
                                       description="single-rate / multi-rate mass updates"),
        "speedup_wall": Output(wall_sr / max(wall_mr, 1e-12), "",
                               description="single-rate / multi-rate wall time; below ~10^4 "
                                           "masses Python overhead per block dominates "
                                           "(see the coupler_overhead benchmark)"),
    }
    if H > 1.01 * dt_crit and 0 < chain.fast_masses < n:
        _, _, e_sr_at_h = verlet(m, k, x_rand, np.zeros(n), H, 200, record_every=1,
                                 blowup=1e300)
        outputs["single_rate_log10_growth_at_macro_dt"] = Output(
            float(np.log10(e_sr_at_h.max() / e_sr_at_h[0])), "",
            description="single-rate Verlet at the macro step: log10 max E/E0 over 200 steps")
    resonance = []
    if bound is not None:
        outputs["energy_error_bound"] = Output(
            bound[0], "", description="bound on max |E/E0 - 1| of the scheme integrated, "
                                      "from its one-step map")
        outputs["step_map_spectral_radius"] = Output(
            bound[1], "", description="spectral radius of the multi-rate one-step map")
        resonance = [Validity(
            "multirate coupler", f"growth of the least stable mode of the one-step map over "
            f"the run, rho^N (N = {n_macro}; rho > 1: a coupling resonance)",
            bound[1] ** n_macro, RADIUS_GROWTH_LIMIT)]
    validity = [
        *chain.validity(),
        *resonance,
        Validity("multirate coupler",
                 "cost of multi-rate / single-rate at equal error (mass updates)",
                 cost_mr / cost_sr, 1.0),
        # The cost comparison holds only if single-rate is at least as accurate.
        Validity("multirate coupler",
                 "single-rate / multi-rate error at the compared steps", err_sr / err_mr, 1.0),
    ]
    growth_exact = verlet_growth_factor(omega_max * (ABOVE * dt_crit)) ** 2
    ds = _dataset(m, k, x0, x_exact, chain.x, x_sr, e_mr, errs, levels, e_below, e_above,
                  e_sr, T)
    ds.attrs.update({
        "dt_crit_s": dt_crit, "single_rate_dt_s": dt_sr, "mass_updates_single_rate": int(cost_sr),
        "mass_updates_multirate": int(cost_mr), "fast_masses": int(chain.fast_masses),
        "stiff_first_spring": int(stiff.start), "stiff_last_spring": int(stiff.stop) - 1,
        "macro_dt_s": float(H), "substeps": int(sub), "t_end_s": float(T),
        "pulse_shape": str(p["pulse_shape"]),
        **({} if bound is None else {"energy_error_bound": float(bound[0])}),
        "growth_per_step_exact": float(growth_exact)})
    return Analysis(outputs=outputs, dataset=ds, validity=validity, timings=timings)


def _dataset(m, k, x0, x_exact, x_mr, x_sr, e_mr, errs, levels, e_below, e_above, e_sr,
             t_end) -> xr.Dataset:
    n = m.size
    return xr.Dataset(
        {
            "mass": ("mass_index", m, {"units": "kg", "long_name": "mass"}),
            "stiffness": ("spring", k, {"units": "N/m", "long_name": "spring stiffness"}),
            "x_initial": ("mass_index", x0, {"units": "m"}),
            "x_exact": ("mass_index", x_exact, {"units": "m",
                                                "long_name": "normal-mode solution"}),
            "x_multirate": ("mass_index", x_mr, {"units": "m"}),
            "x_single_rate": ("mass_index", x_sr, {"units": "m"}),
            "energy_multirate": ("time", e_mr[:, 1], {"units": "J"}),
            "energy_single_rate": ("time_single_rate", e_sr, {"units": "J"}),
            "error_vs_macro_dt": ("macro_dt", np.asarray(errs),
                                  {"units": "1", "long_name": "||x - x_exact|| / ||x0||"}),
            "energy_below_dt_crit": ("probe_step", e_below, {"units": "J"}),
            "energy_above_dt_crit": ("probe_step_above", e_above, {"units": "J"}),
        },
        coords={
            "mass_index": ("mass_index", np.arange(n), {"units": "1"}),
            "spring": ("spring", np.arange(n + 1), {"units": "1"}),
            "time": ("time", e_mr[:, 0], {"units": "s"}),
            "time_single_rate": ("time_single_rate", np.linspace(0.0, t_end, e_sr.size),
                                 {"units": "s"}),
            "macro_dt": ("macro_dt", np.asarray(levels), {"units": "s"}),
            "probe_step": ("probe_step", np.arange(e_below.size), {"units": "1"}),
            "probe_step_above": ("probe_step_above", np.arange(e_above.size), {"units": "1"}),
        },
    )
