"""FFT homogenization: iteration cost, iteration counts, FFT vs FE, and the 256^3 budget.

Figures (one line each, ``name: ours=... peer=... ratio=... unit``):

``fft_iteration_vs_bare_fft`` (headline)
    Wall time of one conjugate-gradient iteration of the 3D elastic solver on an
    ``N_ITER^3`` two-phase RVE against the bare ``scipy.fft.rfftn`` + ``irfftn`` of the
    ``(3, 3, n, n, n)`` strain field it transforms (same ``workers``); ratio = bare/ours
    (1 would be an iteration that costs nothing but its FFTs; the issue asks for >= 0.5).
    Both are CPU times of this process (``time.process_time``, single-threaded FFTs),
    so other jobs on a shared machine do not enter the ratio; the other figures are
    wall times.
    The basic (Moulinec-Suquet) iteration is on its own line: it transforms twice (the
    update and the residual check).
``iterations_contrast_C``
    Iterations to ``||P q|| / ||q|| <= 1e-8`` for 2D conductivity of random disks at
    contrast 10 and 1000: ours = CG, peer = basic; ratio = basic/CG.
``fft_vs_fe_equal_accuracy``
    The same pixelated square array of disks (f = 0.3, contrast 10) by our FFT solver
    and by a scikit-fem Q1 finite-element model of the same pixels (the square array's
    symmetry turns the periodic cell problem into a Dirichlet/no-flux one, exactly),
    each at the coarsest of 64^2, 128^2, 256^2 where it is within 0.3 % of Rayleigh's
    value (Perrins et al. 1979 form); ratio = FE time / FFT time.
``elastic_256cubed_estimate``
    Peak memory (tracemalloc) and time per CG iteration measured at 64^3 and 128^3,
    extrapolated to 256^3 (memory ~ n^3, time ~ n^3 log n); the figure is the
    projected wall time of a full 6-load-case solve at the iteration count measured at
    128^3.

Run: ``scaleweave bench fft_homogenization`` or ``python -m benchmarks.fft_homogenization``.
Writes ``results/bench/fft_homogenization.json``.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from typing import Any

import numpy as np
import scipy.fft

from benchmarks._common import figure_line, machine_info, time_interleaved, write_json
from scaleweave.engines.continuum.fft_homogenization import (
    effective_conductivity,
    effective_elasticity,
)
from scaleweave.engines.geometry import microstructure as ms

__all__ = ["main"]

NAME = "fft_homogenization"
N_ITER = 64
WORKERS = 1
REPEATS = 3
TARGET = 3e-3  # relative error of "equal accuracy" against Rayleigh's value
K, G = [10.0, 100.0], [5.0, 60.0]  # bulk and shear of the two phases (contrast ~10)


def _elastic_micro(n: int) -> np.ndarray:
    return ms.random_inclusions((n, n, n), 0.2, 0.12, np.random.default_rng(1))


def _elastic_time(micro: np.ndarray, iterations: int, scheme: str) -> float:
    # tol = 0 never converges: the residual is recorded in the result (the default
    # validity policy), not warned
    t = time.process_time()
    effective_elasticity(micro, K, G, scheme=scheme, tol=0.0, maxiter=iterations,
                         keep_fields=False, workers=WORKERS)
    return time.process_time() - t


def iteration_cost(n: int = N_ITER) -> dict[str, float]:
    """Seconds per iteration (CG and basic) and per bare FFT pair on an ``n^3`` grid."""
    micro = _elastic_micro(n)
    out: dict[str, float] = {}
    for scheme in ("cg", "basic"):
        t1 = min(_elastic_time(micro, 2, scheme) for _ in range(REPEATS))
        t2 = min(_elastic_time(micro, 7, scheme) for _ in range(REPEATS))
        out[scheme] = (t2 - t1) / (6 * 5)  # 6 load cases, 5 extra iterations each
    field = np.random.default_rng(0).random((3, 3, n, n, n))
    axes = (-3, -2, -1)

    def bare():
        scipy.fft.irfftn(scipy.fft.rfftn(field, axes=axes, workers=WORKERS), s=(n, n, n),
                         axes=axes, workers=WORKERS)

    times = []
    for _ in range(3 * REPEATS):
        t = time.process_time()
        bare()
        times.append(time.process_time() - t)
    out["bare_fft_pair"] = min(times)
    return out


def iteration_counts(contrast: float, n: int = 128) -> tuple[int, int]:
    """(CG, basic) iterations to 1e-8 on random disks, worst load case."""
    micro = ms.random_inclusions((n, n), 0.3, 0.05, np.random.default_rng(3))
    cg = effective_conductivity(micro, [1.0, contrast], scheme="cg", keep_fields=False)
    basic = effective_conductivity(micro, [1.0, contrast], scheme="basic", maxiter=100_000,
                                   keep_fields=False)
    return max(cg.iterations), max(basic.iterations)


def rayleigh(f: float, c: float) -> float:
    """Rayleigh's square-array conductivity as written by Perrins et al. (1979)."""
    t = (c + 1.0) / (c - 1.0)
    return 1.0 + 2.0 * f / (t - f - 0.305827 * f**4 * t / (t * t - 1.402958 * f**8)
                            - 0.013362 * f**8)


def fe_conductivity(micro: np.ndarray, k: list[float]) -> float:
    """``k_xx`` of a pixel RVE by scikit-fem Q1 elements (square-array symmetry BCs)."""
    import skfem
    from skfem.helpers import dot, grad

    n = micro.shape[0]
    x = np.linspace(0.0, 1.0, n + 1)
    mesh = skfem.MeshQuad.init_tensor(x, x)
    basis = skfem.Basis(mesh, skfem.ElementQuad1())
    mid = mesh.p[:, mesh.t].mean(axis=1)
    idx = np.minimum((mid * n).astype(int), n - 1)
    kel = np.asarray(k)[micro[idx[0], idx[1]]]
    kq = np.repeat(kel[:, None], basis.X.shape[1], axis=1)

    @skfem.BilinearForm
    def form(u, v, w):
        return w.kappa * dot(grad(u), grad(v))

    a = skfem.asm(form, basis, kappa=kq)
    left = basis.get_dofs(lambda p: np.isclose(p[0], 0.0)).all()
    right = basis.get_dofs(lambda p: np.isclose(p[0], 1.0)).all()
    u = np.zeros(basis.N)
    u[right] = 1.0
    u = skfem.solve(*skfem.condense(a, x=u, D=np.concatenate([left, right])))
    return float(u @ (a @ u))  # energy = k_xx for a unit temperature drop over a unit cell


def fft_vs_fe(sizes: tuple[int, ...] = (64, 128, 256)) -> list[dict[str, float]]:
    """Errors and times of FFT and FE on the same pixelated square array."""
    f, c = 0.3, 10.0
    ref = rayleigh(f, c)
    rows = []
    for n in sizes:
        micro = ms.inclusion_array((n, n), f)

        def fft_run(micro=micro):
            return effective_conductivity(micro, [1.0, c], keep_fields=False).effective[0, 0]

        def fe_run(micro=micro):
            return fe_conductivity(micro, [1.0, c])

        times = time_interleaved({"fft": lambda: fft_run, "fe": lambda: fe_run}, REPEATS)
        rows.append({"n": n, "fft": fft_run(), "fe": fe_run(), "reference": ref,
                     "fft_err": abs(fft_run() / ref - 1), "fe_err": abs(fe_run() / ref - 1),
                     "fft_s": min(times["fft"]), "fe_s": min(times["fe"])})
    return rows


def memory_and_time(n: int, iterations: int = 3) -> dict[str, float]:
    """Peak traced memory (bytes) of an elastic CG solve and its time per iteration."""
    micro = _elastic_micro(n)
    tracemalloc.start()
    t = _elastic_time(micro, iterations, "cg")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t0 = _elastic_time(micro, 1, "cg")
    return {"n": n, "peak_bytes": float(peak), "s_per_iteration":
            (t - t0) / (6 * (iterations - 1))}


def main() -> None:
    """Measure, print one line per figure, write JSON."""
    data: dict[str, Any] = {"benchmark": NAME, "machine": machine_info(),
                            "workers": WORKERS,
                            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    cost = iteration_cost()
    data["iteration_cost_s"] = cost
    print(figure_line("fft_iteration_vs_bare_fft", cost["cg"], cost["bare_fft_pair"],
                      cost["bare_fft_pair"] / cost["cg"],
                      f"s per CG iteration vs one rfftn+irfftn of the (3,3,{N_ITER}^3) "
                      "strain field"), flush=True)
    print(figure_line("fft_basic_iteration_vs_bare_fft", cost["basic"], cost["bare_fft_pair"],
                      cost["bare_fft_pair"] / cost["basic"],
                      "s per basic iteration (two FFT pairs: update + residual)"), flush=True)
    counts = {}
    for contrast in (10.0, 1000.0):
        cg, basic = iteration_counts(contrast)
        counts[str(contrast)] = {"cg": cg, "basic": basic}
        print(figure_line(f"iterations_contrast_{contrast:g}", cg, basic, basic / cg,
                          "iterations to 1e-8 (CG vs basic, 2D conductivity, 128^2)"),
              flush=True)
    data["iterations_to_1e-8"] = counts
    rows = fft_vs_fe()
    data["fft_vs_fe"] = rows
    # equal accuracy: the coarsest grid at which each is within TARGET of Rayleigh
    fft_row = next((r for r in rows if r["fft_err"] < TARGET), rows[-1])
    fe_row = next((r for r in rows if r["fe_err"] < TARGET), rows[-1])
    data["equal_accuracy"] = {"target": TARGET, "fft_n": fft_row["n"], "fe_n": fe_row["n"]}
    print(figure_line("fft_vs_fe_equal_accuracy", fft_row["fft_s"], fe_row["fe_s"],
                      fe_row["fe_s"] / fft_row["fft_s"],
                      f"s to reach {TARGET:.1%} of Rayleigh: FFT at {fft_row['n']}^2 (error "
                      f"{fft_row['fft_err']:.2e}), FE at {fe_row['n']}^2 (error "
                      f"{fe_row['fe_err']:.2e})"), flush=True)
    for row in rows:
        print(f"  n={row['n']}: fft={row['fft']:.6f} ({row['fft_s']:.3g} s) "
              f"fe={row['fe']:.6f} ({row['fe_s']:.3g} s) rayleigh={row['reference']:.6f}")
    mem = [memory_and_time(64), memory_and_time(128)]
    data["memory_time"] = mem
    scale = 8.0 * math.log(256) / math.log(128)
    peak256 = mem[1]["peak_bytes"] * 8.0
    it256 = mem[1]["s_per_iteration"] * scale
    micro = _elastic_micro(64)
    its = effective_elasticity(micro, K, G, keep_fields=False).iterations
    total = it256 * sum(its)
    data["estimate_256"] = {"peak_bytes": peak256, "s_per_iteration": it256,
                            "iterations_per_load_at_64": list(its), "total_s": total}
    for m in mem:
        print(f"  elastic {m['n']}^3: peak {m['peak_bytes'] / 1e9:.2f} GB, "
              f"{m['s_per_iteration']:.3g} s per CG iteration")
    print(f"elastic_256cubed_estimate: ours={total:.4g} peer=n/a ratio=n/a s "
          f"(projected: {peak256 / 1e9:.1f} GB peak, {it256:.3g} s/iteration, "
          f"{sum(its)} iterations over 6 loads at contrast ~10; fits in 24 GB: "
          f"{peak256 < 24e9})", flush=True)
    path = write_json(NAME, data)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
