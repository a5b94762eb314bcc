"""Hybrid stochastic/deterministic against pure SSA on the infection model at large dose.

Model: the well-mixed limit of the ``infection`` case (``scaleweave run infection``)
with the QSSA-reduced infection step: ``V + S -> E`` (beta), ``V -> 0`` (clearance c),
``E -> I`` (eclipse), ``I -> D`` (death), ``I -> I + V`` (production), with the case's
default rates (R0 = 3) on ``N_CELLS`` cells and a large dose of ``V0`` virions. Both run
``N_TRAJ`` trajectories to ``T_END``; the figure of merit is wall time at equal
answers: the error is the relative difference of the mean infected fraction
``(E + I + D)/N`` at the output times (max over times), hybrid vs SSA, with the SSA's
own standard error printed beside it. Compile time excluded (warm-up run first).

Run: ``scaleweave bench hybrid`` or ``python -m benchmarks.hybrid``; writes
``results/bench/hybrid.json``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks._common import figure_line, machine_info, time_interleaved, write_json
from scaleweave.engines.kinetics.hybrid import HybridPolicy, hybrid_ensemble
from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
from scaleweave.engines.kinetics.ssa import ssa_ensemble

__all__ = ["main", "network"]

NAME = "hybrid"
HOUR = 3600.0
N_CELLS = 1_000_000
V0 = 200_000
BETA_N = 0.05 / HOUR  # 1/s: infection rate of one virion with all cells susceptible
CLEAR, ECLIPSE, DEATH, PROD = 0.05 / HOUR, 1 / (6 * HOUR), 1 / (10 * HOUR), 0.6 / HOUR
T_END = 120 * HOUR
N_POINTS = 13
N_TRAJ = 4
REPEATS = 2
POLICY = HybridPolicy(min_copies=100, cv_max=0.03, horizon=60.0, rel_step=0.02)


def network() -> ReactionNetwork:
    """The well-mixed infection model (copy numbers; rates in 1/s)."""
    return ReactionNetwork({"V": V0, "S": N_CELLS, "E": 0, "I": 0, "D": 0}, [
        Reaction({"V": 1, "S": 1}, {"E": 1}, BETA_N / N_CELLS, "infect"),
        Reaction({"V": 1}, {}, CLEAR, "clear"),
        Reaction({"E": 1}, {"I": 1}, ECLIPSE, "eclipse"),
        Reaction({"I": 1}, {"D": 1}, DEATH, "die"),
        Reaction({"I": 1}, {"I": 1, "V": 1}, PROD, "produce")])


def _infected(counts: np.ndarray) -> np.ndarray:
    return counts[..., 2:5].sum(axis=-1) / N_CELLS


def run_ssa(seed: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean and standard error of the infected fraction; total events."""
    counts, events = ssa_ensemble(network(), np.linspace(0, T_END, N_POINTS), N_TRAJ, seed)
    f = _infected(counts)
    return f.mean(axis=0), f.std(axis=0, ddof=1) / np.sqrt(N_TRAJ), int(events.sum())


def run_hybrid(seed: int = 2) -> tuple[np.ndarray, Any]:
    """Mean infected fraction and the hybrid result."""
    res = hybrid_ensemble(network(), np.linspace(0, T_END, N_POINTS), N_TRAJ, seed,
                          policy=POLICY)
    return _infected(res.counts).mean(axis=0), res


def main() -> None:
    """Time both (interleaved, best of REPEATS); print lines; write JSON."""
    run_hybrid(0)  # compile / load cached kernels
    mean_ssa, se_ssa, events = run_ssa()
    mean_hyb, res = run_hybrid()
    times = time_interleaved({"hybrid": lambda: run_hybrid, "ssa": lambda: run_ssa}, REPEATS)
    t_h, t_s = min(times["hybrid"]), min(times["ssa"])
    late = mean_ssa > 0.01
    err = float(np.max(np.abs(mean_hyb[late] / mean_ssa[late] - 1.0)))
    se_rel = float(np.max(se_ssa[late] / mean_ssa[late]))
    print(figure_line("hybrid_vs_ssa_wall_s", t_h, t_s, t_s / t_h, "s (ratio = speed-up)"),
          flush=True)
    print(f"hybrid_error_mean_infected_fraction: ours={err:.4g} target<=0.02 "
          f"(SSA standard error {se_rel:.2g} relative; final fraction hybrid "
          f"{mean_hyb[-1]:.4f} SSA {mean_ssa[-1]:.4f})", flush=True)
    print(f"events: ssa={events} hybrid_events={int(res.events.sum())} "
          f"hybrid_ode_steps={int(res.ode_steps.sum())}")
    for v in res.validity():
        print(f"validity: {v.diagnostic}: {v.value:.3g} (limit {v.limit:g}, "
              f"{'ok' if v.ok else 'outside'})")
    data = {"benchmark": NAME,
            "model": "V+S->E, V->0, E->I, I->D, I->I+V (infection case, well mixed)",
            "n_cells": N_CELLS, "v0": V0, "t_end_s": T_END, "n_trajectories": N_TRAJ,
            "headline": {"name": "hybrid_vs_ssa_wall_s", "ours": t_h, "peer": t_s,
                         "ratio": t_s / t_h, "unit": "s"},
            "error_mean_infected_fraction": err, "ssa_standard_error_relative": se_rel,
            "mean_infected_fraction": {"hybrid": mean_hyb.tolist(), "ssa": mean_ssa.tolist()},
            "events": {"ssa": events, "hybrid": int(res.events.sum()),
                       "hybrid_ode_steps": int(res.ode_steps.sum())},
            "policy": {"min_copies": POLICY.min_copies, "cv_max": POLICY.cv_max,
                       "horizon_s": POLICY.horizon, "rel_step": POLICY.rel_step},
            "wall_s": times, "machine": machine_info(),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    print(f"wrote {write_json(NAME, data)}")


if __name__ == "__main__":
    main()
