"""QSSA-reduced against full model: virus binding slaved to the infection (the ``infection`` case).

Model: ``V + S <-> B -> E`` with ``V -> 0``: virions bind a cell in seconds (k_off = 1/s)
and enter it in hours, on ``N_CELLS`` cells from ``V0`` virions, to ``T_END``. The
QSSA bridge (:mod:`scaleweave.bridges.reduction.qssa`, fast species ``B``) gives the effective
network ``V + S -> E`` with ``beta = k_on k_entry/(k_off + k_entry)`` and the validity
diagnostic ``epsilon = (k_on N + c)/(k_off + k_entry)``.

Two figures, each full vs reduced on the same input, in one process:

* stochastic (headline): exact SSA of the full network (every binding and unbinding
  is an event) against SSA of the reduced network; error = relative difference of the
  mean number of infected cells at ``T_END`` (with the ensembles' standard error);
* deterministic: the stiff rate equations of the full network (LSODA with the analytic
  Jacobian) against those of the reduced network; error = max relative difference of
  the infected count over the output times.

The error should be at most about epsilon (Segel & Slemrod 1989).

Run: ``scaleweave bench qssa`` or ``python -m benchmarks.qssa``; writes
``results/bench/qssa.json``.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks._common import figure_line, machine_info, time_interleaved, write_json
from scaleweave.bridges.reduction.binding import binding_network
from scaleweave.bridges.reduction.qssa import qssa_reduce
from scaleweave.engines.kinetics.reaction_network import solve_rate_equations
from scaleweave.engines.kinetics.ssa import ssa_ensemble

__all__ = ["main"]

NAME = "qssa"
HOUR = 3600.0
N_CELLS = 1600
V0 = 1000
K_ON, K_OFF, K_ENTRY, CLEAR = 3.125e-5, 1.0, 1 / HOUR, 0.05 / HOUR  # 1/s
T_END = 100 * HOUR
N_POINTS = 21
N_TRAJ = 8
REPEATS = 2


def main() -> None:
    """Time full vs reduced (interleaved, best of REPEATS); print lines; write JSON."""
    full = binding_network(V0, N_CELLS, K_ON, K_OFF, K_ENTRY, CLEAR)
    red = qssa_reduce(full, ["B"])
    eff = red.effective_network()
    t = np.linspace(0.0, T_END, N_POINTS)
    e_full, e_red = full.index("E"), eff.index("E")

    def ssa_full():
        return ssa_ensemble(full, t, N_TRAJ, 1)

    def ssa_red():
        return ssa_ensemble(eff, t, N_TRAJ, 2)

    ssa_full()  # compile / load cached kernels
    (c_full, ev_full), (c_red, ev_red) = ssa_full(), ssa_red()
    times = time_interleaved({"reduced": lambda: ssa_red, "full": lambda: ssa_full}, REPEATS)
    m_full, m_red = c_full[:, -1, e_full].mean(), c_red[:, -1, e_red].mean()
    se = np.sqrt(c_full[:, -1, e_full].var(ddof=1) / N_TRAJ
                 + c_red[:, -1, e_red].var(ddof=1) / N_TRAJ) / m_full
    err_ssa = abs(m_red / m_full - 1.0)
    t_r, t_f = min(times["reduced"]), min(times["full"])
    print(figure_line("qssa_ssa_wall_s", t_r, t_f, t_f / t_r,
                      "s (ratio = speed-up; ours = reduced, peer = full network)"), flush=True)
    print(f"qssa_ssa_error_mean_infected: ours={err_ssa:.4g} epsilon={red.epsilon:.4g} "
          f"(ensemble standard error {se:.2g}; events full={int(ev_full.sum())} "
          f"reduced={int(ev_red.sum())})", flush=True)

    ode_times = time_interleaved({
        "reduced": lambda: (lambda: solve_rate_equations(eff, t)),
        "full": lambda: (lambda: solve_rate_equations(full, t))}, 3)
    y_full = solve_rate_equations(full, t, rtol=1e-10, atol=1e-10)[:, e_full]
    y_red = solve_rate_equations(eff, t, rtol=1e-10, atol=1e-10)[:, e_red]
    err_ode = float(np.max(np.abs(y_red[1:] / y_full[1:] - 1.0)))
    o_r, o_f = min(ode_times["reduced"]), min(ode_times["full"])
    print(figure_line("qssa_ode_wall_s", o_r, o_f, o_f / o_r,
                      "s (LSODA; ratio = speed-up)"), flush=True)
    print(f"qssa_ode_error_infected: ours={err_ode:.4g} epsilon={red.epsilon:.4g}")
    data = {"benchmark": NAME, "model": "V + S <-> B -> E, V -> 0 (infection binding)",
            "n_cells": N_CELLS, "v0": V0, "t_end_s": T_END, "n_trajectories": N_TRAJ,
            "epsilon": red.epsilon,
            "headline": {"name": "qssa_ssa_wall_s", "ours": t_r, "peer": t_f,
                         "ratio": t_f / t_r, "unit": "s"},
            "ssa": {"error": err_ssa, "standard_error": float(se),
                    "events_full": int(ev_full.sum()), "events_reduced": int(ev_red.sum()),
                    "wall_s": times},
            "ode": {"error": err_ode, "ratio": o_f / o_r, "wall_s": ode_times},
            "machine": machine_info(), "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    print(f"wrote {write_json(NAME, data)}")


if __name__ == "__main__":
    main()
