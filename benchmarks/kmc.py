"""Lattice kMC throughput: our Numba lattice gas against kmcos (Fortran, via f2py).

Model (same on both sides): a square lattice of L x L sites with periodic
boundaries; adsorption on an empty site (1/s), desorption from an occupied site
(1/s), and a hop of a particle to each empty nearest neighbour (1/s per
direction). Steady coverage 1/2. Figures are kMC events (kmcos: "steps", one
executed process each) per CPU second on one core.

Timing: CPU time of the event loop only (``time.process_time`` around our kernel
call; kmcos' ``do_steps`` timed inside its own process), best of ``REPEATS``
interleaved rounds. CPU time rather than wall time because the benchmark machine
is shared; wall times are recorded in the JSON too. Compilation is excluded on
both sides (our kernel is warmed up and cached by Numba; kmcos is compiled
before timing). Both start from a steady state (ours: random half coverage;
kmcos: starts empty and runs 2 events per site before timing).

Peer: kmcos (Hoffmann, Matera & Reuter 2014, Comput. Phys. Commun. 185, 2138;
PyPI ``kmcos`` 1.1.0) installs only in its own virtual environment with
``numpy<1.25`` (kmcos issue #284), ``lxml``, ``ase<3.23`` and Debian's gfortran::

    python3 -m venv /tmp/kmcos-venv
    /tmp/kmcos-venv/bin/pip install "numpy<1.25" kmcos lxml "ase<3.23"

Set ``SCALEWEAVE_KMCOS_PYTHON`` to that interpreter (default
``/tmp/kmcos-venv/bin/python``). The model is exported and compiled once into
``results/bench/kmcos_lattice_gas/``. Without the peer, the published figures of
issue 6 (kmcos measured that way: 1.4e6 steps/s at 100x100, 0.7e6 at 500x500) are
used and the line says so.

Run: ``scaleweave bench kmc`` or ``python -m benchmarks.kmc``. Writes
``results/bench/kmc.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import bench_dir, figure_line, machine_info, write_json
from scaleweave.engines.lattice.kmc import run_lattice_gas
from scaleweave.engines.lattice.sites import standard_lattice

__all__ = ["PUBLISHED_PEER", "main", "peer_python", "run_ours", "run_peer"]

NAME = "kmc"
SIZES = (100, 500)  # headline lattices, L x L
SCALING = (32, 100, 316, 1000)  # ~1e3 .. 1e6 sites
N_EVENTS = 3_000_000
N_EVENTS_SCALING = 2_000_000
REPEATS = 3
K_ADS = K_DES = K_HOP = 1.0
#: kmcos steps/s from issue 6 (kmcos 1.1.0 in its own venv, numpy<1.25, gfortran).
PUBLISHED_PEER = {100: 1.4e6, 500: 0.7e6}

_BUILD = textwrap.dedent('''
    import numpy as np
    from kmcos.types import (Action, Condition, Layer, Parameter, Process, Project, Site,
                             Species)
    pt = Project()
    pt.set_meta(author="scaleweave", email="bench@example.org", model_name="lattice_gas",
                model_dimension=2)
    pt.add_species(Species(name="empty", color="#ffffff"))
    pt.add_species(Species(name="A", color="#ff0000", representation="Atoms('O')"))
    pt.species_list.default_species = "empty"
    layer = Layer(name="default")
    layer.add_site(Site(name="a", pos="0.5 0.5 0.5"))
    pt.add_layer(layer)
    pt.lattice.cell = np.diag([1.0, 1.0, 3.0])
    for name in ("k_ads", "k_des", "k_hop"):
        pt.add_parameter(Parameter(name=name, value=1.0))
    c = pt.lattice.generate_coord("a.(0,0,0).default")
    pt.add_process(Process(name="ads", condition_list=[Condition(species="empty", coord=c)],
                           action_list=[Action(species="A", coord=c)], rate_constant="k_ads"))
    pt.add_process(Process(name="des", condition_list=[Condition(species="A", coord=c)],
                           action_list=[Action(species="empty", coord=c)],
                           rate_constant="k_des"))
    for name, off in (("e", "(1,0,0)"), ("w", "(-1,0,0)"), ("n", "(0,1,0)"),
                      ("s", "(0,-1,0)")):
        nb = pt.lattice.generate_coord(f"a.{off}.default")
        pt.add_process(Process(
            name=f"hop_{name}",
            condition_list=[Condition(species="A", coord=c), Condition(species="empty", coord=nb)],
            action_list=[Action(species="empty", coord=c), Action(species="A", coord=nb)],
            rate_constant="k_hop"))
    pt.save("lattice_gas.xml")
    import kmcos.cli
    kmcos.cli.main("export lattice_gas.xml -o")
''')

_RUN = textwrap.dedent('''
    import json, sys, time
    from kmcos.run import KMC_Model
    size, n = int(sys.argv[1]), int(sys.argv[2])
    model = KMC_Model(print_rates=False, banner=False, size=(size, size), random_seed=1)
    model.do_steps(2 * size * size)  # reach the steady coverage (starts empty)
    cpu, wall = time.process_time(), time.perf_counter()
    model.do_steps(n)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"size": size, "steps": n, "cpu_s": cpu, "wall_s": wall}))
    model.deallocate()
''')


def peer_python() -> Path | None:
    """The kmcos virtual environment's interpreter, if it exists."""
    path = Path(os.environ.get("SCALEWEAVE_KMCOS_PYTHON", "/tmp/kmcos-venv/bin/python"))
    return path if path.exists() else None


def _peer_model(python: Path) -> Path | None:
    """Export and compile the kmcos model once; return its folder or None on failure."""
    folder = bench_dir() / "kmcos_lattice_gas"
    built = folder / "lattice_gas_local_smart"
    if list(built.glob("kmc_model*.so")):
        return built
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "build.py").write_text(_BUILD)
    proc = subprocess.run([str(python), "build.py"], cwd=folder, capture_output=True,
                          text=True, timeout=900, check=False)
    if proc.returncode != 0 or not list(built.glob("kmc_model*.so")):
        (folder / "build.log").write_text(proc.stdout + proc.stderr)
        return None
    (built / "run_bench.py").write_text(_RUN)
    return built


def run_peer(python: Path, model_dir: Path, size: int, n_events: int) -> dict[str, float]:
    """kmcos events per CPU second (and wall) for ``n_events`` steps on ``size x size``."""
    if not (model_dir / "run_bench.py").exists():
        (model_dir / "run_bench.py").write_text(_RUN)
    proc = subprocess.run([str(python), "run_bench.py", str(size), str(n_events)],
                          cwd=model_dir, capture_output=True, text=True, timeout=1800,
                          check=True)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"cpu_s": data["cpu_s"], "wall_s": data["wall_s"]}


def run_ours(size: int, n_events: int, seed: int = 1) -> dict[str, float]:
    """Our lattice gas: CPU and wall seconds of ``n_events`` events on ``size x size``."""
    lat = standard_lattice("square", size, 1e-10)
    cpu, wall = time.process_time(), time.perf_counter()
    res = run_lattice_gas(lat, adsorption_rate=K_ADS, desorption_rate=K_DES, hop_rate=K_HOP,
                          n_events=n_events, coverage0=0.5, rng=seed)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_s": cpu, "wall_s": wall, "coverage": res.coverage, "events": res.n_events}


def main() -> None:
    """Time both contenders (interleaved, best of REPEATS); print lines; write JSON."""
    run_ours(20, 10_000)  # compile / load the cached kernel
    python = peer_python()
    model_dir = _peer_model(python) if python is not None else None
    data: dict[str, Any] = {
        "benchmark": NAME,
        "model": "square-lattice gas: adsorption 1/s, desorption 1/s, hop 1/s per direction",
        "ours": "scaleweave.engines.lattice.kmc.run_lattice_gas (Numba, rate groups over sites)",
        "peer": ("kmcos 1.1.0 (Fortran via f2py, own venv)" if model_dir is not None else
                 "kmcos published figure (issue 6), not run here"),
        "timing": "CPU seconds of the event loop, best of interleaved rounds",
        "machine": machine_info(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "figures": [],
    }

    def record(name: str, ours: float, peer: float | None, unit: str, note: str = "",
               higher_is_better: bool = True) -> None:
        if peer is None:
            line = f"{name}: ours={ours:.4g} peer=n/a ratio=n/a {unit}"
            ratio = None
        else:
            ratio = ours / peer if higher_is_better else peer / ours
            line = figure_line(name, ours, peer, ratio, unit)
        print(line + (f" ({note})" if note else ""), flush=True)
        data["figures"].append({"name": name, "ours": ours, "peer": peer, "ratio": ratio,
                                "unit": unit, "note": note})

    for size in SIZES:
        ours_t: list[dict[str, float]] = []
        peer_t: list[dict[str, float]] = []
        for _ in range(REPEATS):
            ours_t.append(run_ours(size, N_EVENTS))
            if model_dir is not None:
                peer_t.append(run_peer(python, model_dir, size, N_EVENTS))
        ours_rate = N_EVENTS / min(t["cpu_s"] for t in ours_t)
        if peer_t:
            peer_rate = N_EVENTS / min(t["cpu_s"] for t in peer_t)
            note = (f"kmcos run side by side; wall-clock ratio "
                    f"{min(t['wall_s'] for t in peer_t) / min(t['wall_s'] for t in ours_t):.2f}")
        else:
            peer_rate = PUBLISHED_PEER[size]
            note = "kmcos not installed here: peer is its published figure from issue 6"
        record(f"kmc_events_per_s_{size}x{size}", ours_rate, peer_rate, "events/s", note)
        data[f"runs_{size}"] = {"ours": ours_t, "peer": peer_t,
                                "coverage": float(np.mean([t["coverage"] for t in ours_t]))}
    for size in SCALING:
        t = run_ours(size, N_EVENTS_SCALING)
        ours_ns = t["cpu_s"] / N_EVENTS_SCALING * 1e9
        peer_ns = None
        if model_dir is not None:
            peer_ns = run_peer(python, model_dir, size, N_EVENTS_SCALING)["cpu_s"] \
                / N_EVENTS_SCALING * 1e9
        record(f"kmc_cost_per_event_{size * size}_sites", ours_ns, peer_ns, "ns/event",
               higher_is_better=False)
    path = write_json(NAME, data)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
