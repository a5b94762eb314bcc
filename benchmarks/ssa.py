"""SSA throughput: our Numba direct method against GillesPy2's compiled C++ SSA (SSACSolver).

Model (3 reactions, orders 0, 2 and 1): ``0 -> A`` at 100/s, ``2 A -> B`` with
stochastic constant 0.02/s per pair (our ``h = c A(A-1)/2``; GillesPy2 writes
``k A(A-1)/vol``, so its ``k = c/2 = 0.01`` at ``vol = 1``), ``B -> 0`` at 1/s. At
steady state about 200 events/s of simulated time (A ~ 71, B ~ 50).

Both run ``N_TRAJ`` trajectories to ``T_END`` seconds, single-threaded, output at
``N_POINTS`` times. Figures are events per wall-clock second; GillesPy2 does not report
its event count, so its events are taken equal to ours (same model, same expected
number; the time-averaged copy numbers are compared on their own line as a check). Compile
time is excluded on both sides: our kernel is warmed up (and cached by Numba), and
the SSACSolver is built before timing. GillesPy2's figure includes its per-run
overhead (launching the compiled program, parsing its output); at 2e6 events per
trajectory this is a small share.

Run: ``scaleweave bench ssa`` or ``python -m benchmarks.ssa`` (from the checkout).
Writes ``results/bench/ssa.json``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import figure_line, machine_info, time_interleaved, write_json
from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
from scaleweave.engines.kinetics.ssa import ssa_ensemble

__all__ = ["main", "network", "run_ours"]

NAME = "ssa"
K_MAKE, C_DIMER, K_DEG = 100.0, 0.02, 1.0  # 1/s, 1/s per pair, 1/s
T_END = 10_000.0  # s
N_POINTS = 101
N_TRAJ = 4
REPEATS = 3


def network() -> ReactionNetwork:
    """The benchmark model, starting empty."""
    return ReactionNetwork({"A": 0, "B": 0}, [
        Reaction({}, {"A": 1}, K_MAKE, "make"),
        Reaction({"A": 2}, {"B": 1}, C_DIMER, "dimerise"),
        Reaction({"B": 1}, {}, K_DEG, "degrade")])


def run_ours(seed: int = 1) -> tuple[np.ndarray, int]:
    """Mean (A, B) over the output times after 0 and all trajectories; total events."""
    counts, events = ssa_ensemble(network(), np.linspace(0.0, T_END, N_POINTS), N_TRAJ, seed)
    return counts[:, 1:, :].mean(axis=(0, 1)), int(events.sum())


def _o3_build() -> Any:
    """A context manager under which GillesPy2 builds its C++ with ``-O3`` (this run only).

    GillesPy2's SConstruct sets ``CXXFLAGS=['-std=c++14']`` (no optimisation). A patched
    copy with ``-O3`` is written to a temporary folder and its ``BuildEngine`` pointed to
    it; GillesPy2's object cache is off by default, so every object is rebuilt.
    """
    import contextlib
    import tempfile

    from gillespy2.solvers.cpp.build import build_engine

    @contextlib.contextmanager
    def patched():
        folder = Path(tempfile.mkdtemp(prefix="gillespy2-O3-"))
        original = Path(build_engine.__file__).parent / "SConstruct"
        text = original.read_text()
        flags = "CXXFLAGS=['-std=c++14']"
        if flags not in text:
            raise RuntimeError("GillesPy2's SConstruct changed; cannot patch its flags")
        (folder / "SConstruct").write_text(text.replace(flags,
                                                        "CXXFLAGS=['-std=c++14', '-O3']"))
        init = build_engine.BuildEngine.__init__

        def init_o3(self, *args, **kwargs):
            init(self, *args, **kwargs)
            self.makefile = folder / "SConstruct"

        build_engine.BuildEngine.__init__ = init_o3
        try:
            yield
        finally:
            build_engine.BuildEngine.__init__ = init

    return patched()


def _peer(o3: bool = False) -> tuple[Any, Any] | None:
    """GillesPy2 model and a built SSACSolver (``o3``: rebuilt at -O3), or None if missing."""
    try:
        import gillespy2
    except ImportError:
        return None
    # GillesPy2 runs SCons as `realpath(sys.executable) -m SCons` unless `scons` is on
    # PATH; inside a virtual environment that realpath is the base interpreter, which
    # lacks SCons. Putting this environment's bin first makes it find the venv's scons.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    model = gillespy2.Model(name="ssa_bench")
    make = gillespy2.Parameter(name="k_make", expression=K_MAKE)
    dimer = gillespy2.Parameter(name="k_dimer", expression=C_DIMER / 2)  # k A(A-1)/vol
    deg = gillespy2.Parameter(name="k_deg", expression=K_DEG)
    model.add_parameter([make, dimer, deg])
    a = gillespy2.Species(name="A", initial_value=0, mode="discrete")
    b = gillespy2.Species(name="B", initial_value=0, mode="discrete")
    model.add_species([a, b])
    model.add_reaction([
        gillespy2.Reaction(name="make", reactants={}, products={a: 1}, rate=make),
        gillespy2.Reaction(name="dimerise", reactants={a: 2}, products={b: 1}, rate=dimer),
        gillespy2.Reaction(name="degrade", reactants={b: 1}, products={}, rate=deg)])
    model.timespan(np.linspace(0.0, T_END, N_POINTS))
    if o3:
        with _o3_build():
            solver = gillespy2.SSACSolver(model=model)  # compiled at -O3 (not timed)
    else:
        solver = gillespy2.SSACSolver(model=model)  # compiles the C++ program (not timed)
    return model, solver


def _scaling() -> dict[str, Any]:
    """Ensemble wall time on 1 and 2 Numba threads, and whether the results are identical."""
    import numba

    n_traj = 8
    net = network()
    t = np.linspace(0.0, T_END / 4, N_POINTS)
    serial, _ = ssa_ensemble(net, t, n_traj, 5)
    ssa_ensemble(net, t, 2, 5, parallel=True)  # compile the parallel kernel
    available = numba.config.NUMBA_NUM_THREADS
    results, times = {}, {}
    for threads in (1, 2):
        if threads > available:
            continue
        numba.set_num_threads(threads)
        best = np.inf
        for _ in range(REPEATS):
            start = time.perf_counter()
            counts, _ = ssa_ensemble(net, t, n_traj, 5, parallel=True)
            best = min(best, time.perf_counter() - start)
        times[threads], results[threads] = best, counts
    numba.set_num_threads(available)
    same = all(np.array_equal(c, serial) for c in results.values())
    return {"wall_s": times, "identical_to_serial": same, "n_trajectories": n_traj,
            "threads_available": available}


def _run_peer(model: Any, solver: Any, seed: int = 1) -> np.ndarray:
    results = model.run(solver=solver, number_of_trajectories=N_TRAJ, seed=seed)
    return np.array([[r["A"][1:].mean(), r["B"][1:].mean()] for r in results]).mean(axis=0)


def main() -> None:
    """Time both contenders (interleaved, best of REPEATS); print lines; write JSON."""
    run_ours(0)  # compile / load the cached kernel
    final_ours, events = run_ours()
    peer = _peer()
    data: dict[str, Any] = {
        "benchmark": NAME,
        "model": "0 -> A (100/s); 2A -> B (c=0.02/s per pair); B -> 0 (1/s)",
        "t_end_s": T_END, "n_trajectories": N_TRAJ, "n_points": N_POINTS,
        "events_total": events,
        "ours": "scaleweave.engines.kinetics.ssa.ssa_ensemble (Numba, serial)",
        "machine": machine_info(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if peer is None:
        times = time_interleaved({"ours": lambda: run_ours}, REPEATS)
        ours_rate = events / min(times["ours"])
        print(f"ssa_events_per_s: ours={ours_rate:.4g} peer=n/a ratio=n/a events/s "
              "(GillesPy2 not installed: pip install gillespy2)")
        data.update(headline={"name": "ssa_events_per_s", "ours": ours_rate, "peer": None,
                              "ratio": None, "unit": "events/s"}, peer=None)
    else:
        model, solver = peer
        _run_peer(model, solver, 2)  # first launch (file system caches) not timed
        times = time_interleaved({"ours": lambda: run_ours,
                                  "peer": lambda: (lambda: _run_peer(model, solver))}, REPEATS)
        ours_rate = events / min(times["ours"])
        peer_rate = events / min(times["peer"])
        final_peer = _run_peer(model, solver)
        print(figure_line("ssa_events_per_s", ours_rate, peer_rate, ours_rate / peer_rate,
                          "events/s"), flush=True)
        print(figure_line("ssa_wall_s", min(times["ours"]), min(times["peer"]),
                          min(times["peer"]) / min(times["ours"]), "s"), flush=True)
        print(f"check_mean_A: ours={final_ours[0]:.4g} peer={final_peer[0]:.4g} "
              f"(rate-equation steady state ~71; {N_TRAJ} x {N_POINTS - 1} samples each)")
        data.update(headline={"name": "ssa_events_per_s", "ours": ours_rate,
                              "peer": peer_rate, "ratio": ours_rate / peer_rate,
                              "unit": "events/s"},
                    peer="gillespy2.SSACSolver (C++, compiled before timing)",
                    wall_s={"ours": times["ours"], "peer": times["peer"]},
                    mean_a_b={"ours": final_ours.tolist(), "peer": final_peer.tolist()})
        try:
            model3, solver3 = _peer(o3=True)
        except Exception as exc:  # a build failure must not lose the other figures
            print(f"ssa_events_per_s_vs_O3: skipped ({type(exc).__name__}: {exc})")
        else:
            _run_peer(model3, solver3, 2)
            t3 = time_interleaved({"ours": lambda: run_ours,
                                   "peer": lambda: (lambda: _run_peer(model3, solver3))},
                                  REPEATS)
            ours3, peer3 = events / min(t3["ours"]), events / min(t3["peer"])
            print(figure_line("ssa_events_per_s_vs_O3", ours3, peer3, ours3 / peer3,
                              "events/s (GillesPy2 rebuilt with -O3: its SConstruct's "
                              "CXXFLAGS patched in this benchmark only)"), flush=True)
            data["vs_O3"] = {"ours": ours3, "peer": peer3, "ratio": ours3 / peer3,
                             "wall_s": t3}
    scaling = _scaling()
    if 2 in scaling["wall_s"]:
        one, two = scaling["wall_s"][1], scaling["wall_s"][2]
        print(figure_line("ssa_ensemble_2_threads_vs_1", 1 / two, 1 / one, one / two,
                          "ensembles/s (ours on 2 threads vs 1; reproducible per seed: "
                          f"{scaling['identical_to_serial']})"), flush=True)
    data["scaling"] = scaling
    path = write_json(NAME, data)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
