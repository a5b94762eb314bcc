"""Coupler overhead per synchronisation: the multi-rate chain against the same loop inline.

Ours: :class:`~scaleweave.bridges.timestepping.multirate.MultirateChain` advanced by
``chain.coupler.run(t_end)`` (three :class:`~scaleweave.engines.particles.spring_chain.ChainSegment`
submodels, slow | fast | slow, linear waveforms for the slow boundary data).

Peer: :func:`peer_multirate`, the SAME arithmetic as one plain NumPy loop with
preallocated arrays and no coupler, submodel or waveform objects: velocity Verlet on
the slow blocks with the macro step ``H`` (their closing half-kick deferred until the
fast block has reached the macro end), the fast block subcycled ``substeps`` times with
the slow neighbours' boundary displacements interpolated linearly in time. Every
floating-point operation is done in the same order as in the coupler, so the two agree
to rounding (checked before timing, printed on its own line).

The difference of the two wall times per macro step is what the coupler costs per
synchronisation (waveforms, dictionaries, ``export()`` and ``covers()`` calls, the
finite check). The one-time ``Coupler.check()`` at the start of ``run`` (each block's
largest eigenfrequency for the stability limit, plus wiring) is timed once on its own
line and kept out of the per-step figures.

Run: ``scaleweave bench coupler_overhead`` or ``python -m benchmarks.coupler_overhead``.
Writes ``results/bench/coupler_overhead.json``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks._common import figure_line, machine_info, time_interleaved, write_json
from scaleweave.bridges.timestepping.multirate import MultirateChain, partition_chain
from scaleweave.engines.particles.spring_chain import build_chain

__all__ = ["main", "max_difference", "peer_multirate", "pulse_chain", "run_ours"]

NAME = "coupler_overhead"
MACRO_DT = 0.5  # s
SUBSTEPS = 10
PULSE_WIDTH = 6.0  # masses, as in the multirate case
SIZES = (10_000, 1_000, 100_000)  # headline first
N_MACRO = {1_000: 400, 10_000: 400, 100_000: 200}
REPEATS = {1_000: 9, 10_000: 7, 100_000: 5}
TARGET_RATIO = 0.83  # peer/ours >= 0.83: coupler overhead under 20% of ours
CHECK_RTOL = 1e-12


def pulse_chain(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The multirate case's chain and initial state: ``m, k, x0, v0``.

    A chain of ``n`` unit masses, soft springs 1 N/m with a centred block of 10% of
    the springs 100 times stiffer, a Gaussian pulse (width 6 masses) at n/4, at rest.
    """
    m, k, _ = build_chain(n, 0.1, 100.0, 1.0, 1.0)
    idx = np.arange(n)
    x0 = np.exp(-(((idx - n / 4) / PULSE_WIDTH) ** 2))
    return m, k, x0, np.zeros(n)


def run_ours(m: np.ndarray, k: np.ndarray, x0: np.ndarray, v0: np.ndarray, macro_dt: float,
             substeps: int, n_macro: int) -> tuple[np.ndarray, np.ndarray]:
    """Final ``x, v`` of ``MultirateChain(...).coupler.run(n_macro * macro_dt)``."""
    chain = MultirateChain(m, k, x0, v0, macro_dt, substeps)
    chain.coupler.run(n_macro * macro_dt)
    return chain.x, chain.v


def peer_multirate(m: np.ndarray, k: np.ndarray, x0: np.ndarray, v0: np.ndarray,
                   macro_dt: float, substeps: int, n_macro: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The coupler's multi-rate scheme as one plain NumPy loop; final ``x, v``.

    Same three blocks as :func:`~scaleweave.bridges.timestepping.multirate.partition_chain`
    (slow | fast | slow), same operations in the same order as
    ``Coupler.run`` + ``ChainSegment.advance/synchronize`` with linear waveforms, but
    inline, on preallocated arrays.
    """
    blocks = partition_chain(m, k, macro_dt)
    if [fast for _, _, fast in blocks] != [False, True, False]:
        raise ValueError(f"peer expects blocks slow|fast|slow, got {blocks}")
    (_, a1, _), (_, a2, _), _ = blocks
    n = m.size
    H = float(macro_dt)
    # Per block (L slow, F fast, R slow): state, springs, 1/m, ghost-extended
    # displacement and tension buffers, acceleration.
    xL, xF, xR = (np.array(x0[s], dtype=float) for s in (slice(0, a1), slice(a1, a2),
                                                           slice(a2, n)))
    vL, vF, vR = (np.array(v0[s], dtype=float) for s in (slice(0, a1), slice(a1, a2),
                                                           slice(a2, n)))
    kL, kF, kR = (np.asarray(k[s], dtype=float) for s in (slice(0, a1 + 1), slice(a1, a2 + 1),
                                                            slice(a2, n + 1)))
    imL, imF, imR = (1.0 / np.asarray(m[s], dtype=float)
                     for s in (slice(0, a1), slice(a1, a2), slice(a2, n)))
    eL, eF, eR = np.zeros(a1 + 2), np.zeros(a2 - a1 + 2), np.zeros(n - a2 + 2)
    tL, tF, tR = np.empty(a1 + 1), np.empty(a2 - a1 + 1), np.empty(n - a2 + 1)
    aL, aF, aR = np.empty(a1), np.empty(a2 - a1), np.empty(n - a2)
    tmpL, tmpF, tmpR = np.empty(a1), np.empty(a2 - a1), np.empty(n - a2)
    # Views into the buffers, made once.
    eL_in, eL_hi, eL_lo = eL[1:-1], eL[1:], eL[:-1]
    eF_in, eF_hi, eF_lo = eF[1:-1], eF[1:], eF[:-1]
    eR_in, eR_hi, eR_lo = eR[1:-1], eR[1:], eR[:-1]
    tL_hi, tL_lo, tF_hi, tF_lo, tR_hi, tR_lo = tL[1:], tL[:-1], tF[1:], tF[:-1], tR[1:], tR[:-1]
    sub = np.subtract

    def accel(x, k_, inv_m, left, right, e, e_in, e_hi, e_lo, ten, ten_hi, ten_lo, out):
        # ChainSegment._accel, into ``out``
        e[0], e_in[:], e[-1] = left, x, right
        sub(e_hi, e_lo, out=ten)
        ten *= k_
        sub(ten_hi, ten_lo, out=out)
        out *= inv_m

    # Initial accelerations (the first macro step's ``self.a is None`` branch): the
    # slow blocks see the fast block's ends at t=0, the fast block the slow ones' ends.
    accel(xL, kL, imL, 0.0, xF[0], eL, eL_in, eL_hi, eL_lo, tL, tL_hi, tL_lo, aL)
    accel(xR, kR, imR, xF[-1], 0.0, eR, eR_in, eR_hi, eR_lo, tR, tR_hi, tR_lo, aR)
    accel(xF, kF, imF, xL[-1], xR[0], eF, eF_in, eF_hi, eF_lo, tF, tF_hi, tF_lo, aF)

    t0 = 0.0
    for _ in range(n_macro):
        t1 = t0 + H
        dt_macro = t1 - t0
        yL0, yR0 = xL[-1], xR[0]  # slow ends at the start of the macro step
        # Slow blocks: one Verlet step of H; the closing half-kick waits for t1.
        hs = dt_macro / 1
        sub_k = 0.5 * hs
        np.multiply(aL, sub_k, out=tmpL)
        vL += tmpL
        np.multiply(vL, hs, out=tmpL)
        xL += tmpL
        np.multiply(aR, sub_k, out=tmpR)
        vR += tmpR
        np.multiply(vR, hs, out=tmpR)
        xR += tmpR
        # Fast block: substeps with the slow ends interpolated linearly in time.
        sL = (xL[-1] - yL0) / dt_macro
        sR = (xR[0] - yR0) / dt_macro
        h = dt_macro / substeps
        half = 0.5 * h
        for j in range(substeps):
            t_next = t0 + (j + 1) * h
            np.multiply(aF, half, out=tmpF)
            vF += tmpF
            np.multiply(vF, h, out=tmpF)
            xF += tmpF
            accel(xF, kF, imF, yL0 + sL * (t_next - t0), yR0 + sR * (t_next - t0),
                  eF, eF_in, eF_hi, eF_lo, tF, tF_hi, tF_lo, aF)
            np.multiply(aF, half, out=tmpF)
            vF += tmpF
        # Synchronisation: slow blocks close their half-kick with the fast ends at t1.
        accel(xL, kL, imL, 0.0, xF[0], eL, eL_in, eL_hi, eL_lo, tL, tL_hi, tL_lo, aL)
        np.multiply(aL, sub_k, out=tmpL)
        vL += tmpL
        accel(xR, kR, imR, xF[-1], 0.0, eR, eR_in, eR_hi, eR_lo, tR, tR_hi, tR_lo, aR)
        np.multiply(aR, sub_k, out=tmpR)
        vR += tmpR
        t0 = t1
    return np.concatenate((xL, xF, xR)), np.concatenate((vL, vF, vR))


def max_difference(m: np.ndarray, k: np.ndarray, x0: np.ndarray, v0: np.ndarray,
                   macro_dt: float, substeps: int, n_macro: int) -> dict[str, float]:
    """Max abs difference of final displacement, ours vs peer, and relative to max|x|."""
    x_ours, _ = run_ours(m, k, x0, v0, macro_dt, substeps, n_macro)
    x_peer, _ = peer_multirate(m, k, x0, v0, macro_dt, substeps, n_macro)
    diff = float(np.max(np.abs(x_ours - x_peer)))
    scale = float(np.max(np.abs(x_ours)))
    return {"max_abs_diff_m": diff, "max_abs_x_m": scale, "rel_diff": diff / scale}


def _check_peer(n: int, n_macro: int) -> dict[str, dict[str, float]]:
    """Peer vs ours on the timed input and on a random state that loads every interface.

    The pulse of the timed input reaches the stiff block only late (or never at 10,000
    masses), so a random initial state over 20 macro steps checks the fast block and
    the interpolated boundaries as well.
    """
    m, k, x0, v0 = pulse_chain(n)
    rng = np.random.default_rng(0)
    checks = {
        "timed_input": max_difference(m, k, x0, v0, MACRO_DT, SUBSTEPS, n_macro),
        "random_state": max_difference(m, k, rng.standard_normal(n), rng.standard_normal(n),
                                       MACRO_DT, SUBSTEPS, 20),
    }
    for label, c in checks.items():
        if not c["rel_diff"] <= CHECK_RTOL:
            raise AssertionError(f"peer does not reproduce the coupler at n={n} ({label}): "
                                 f"relative max difference {c['rel_diff']:.3g} > {CHECK_RTOL:g}")
    return checks


def _measure(n: int) -> dict[str, Any]:
    n_macro, repeats = N_MACRO[n], REPEATS[n]
    m, k, x0, v0 = pulse_chain(n)
    check = _check_peer(n, n_macro)
    t_end = n_macro * MACRO_DT
    check_times: list[float] = []

    def setup_ours():
        chain = MultirateChain(m, k, x0, v0, MACRO_DT, SUBSTEPS)
        coupler = chain.coupler
        tic = time.perf_counter()
        coupler.check()  # one-time stability/wiring check, timed apart
        check_times.append(time.perf_counter() - tic)
        coupler.check = lambda: None  # already passed: keep it out of the per-step time
        return lambda: coupler.run(t_end)

    def setup_peer():
        return lambda: peer_multirate(m, k, x0, v0, MACRO_DT, SUBSTEPS, n_macro)

    times = time_interleaved({"ours": setup_ours, "peer": setup_peer}, repeats)
    ours, peer = min(times["ours"]) / n_macro, min(times["peer"]) / n_macro
    blocks = partition_chain(m, k, MACRO_DT)
    return {
        "n_masses": n,
        "blocks": [{"start": a, "stop": b, "fast": f} for a, b, f in blocks],
        "fast_masses": sum(b - a for a, b, f in blocks if f),
        "macro_dt_s": MACRO_DT,
        "substeps": SUBSTEPS,
        "macro_steps": n_macro,
        "repeats": repeats,
        "ours_s_per_macro_step": ours,
        "peer_s_per_macro_step": peer,
        "ratio_peer_over_ours": peer / ours,
        "overhead_us_per_sync": (ours - peer) * 1e6,
        "overhead_fraction_of_ours": (ours - peer) / ours,
        "meets_target": peer / ours >= TARGET_RATIO,
        "check_once_s": min(check_times),
        "ours_runs_s": times["ours"],
        "peer_runs_s": times["peer"],
        "peer_vs_ours": check,
    }


def _lines(r: dict[str, Any]) -> list[str]:
    n = r["n_masses"]
    c = r["peer_vs_ours"]
    return [
        figure_line(f"coupler_overhead_{n}", r["ours_s_per_macro_step"],
                    r["peer_s_per_macro_step"], r["ratio_peer_over_ours"], "s/macro-step"),
        f"peer_check_{n}: max|x_ours - x_peer|={c['timed_input']['max_abs_diff_m']:.3g} m "
        f"(relative {c['timed_input']['rel_diff']:.3g}) on the timed input, "
        f"{c['random_state']['max_abs_diff_m']:.3g} m (relative "
        f"{c['random_state']['rel_diff']:.3g}) on a random state; tolerance {CHECK_RTOL:g}",
        f"sync_overhead_{n}: {r['overhead_us_per_sync']:.1f} us/sync "
        f"({100 * r['overhead_fraction_of_ours']:.0f}% of ours; ours - peer per macro step "
        f"of {SUBSTEPS} fast substeps)",
        f"check_once_{n}: {1e3 * r['check_once_s']:.2f} ms one-time Coupler.check() at the "
        f"start of run (excluded above)",
    ]


def main() -> None:
    """Measure at 10,000 masses (headline), 1,000 and 100,000; print lines, write JSON."""
    results = []
    for n in SIZES:
        r = _measure(n)
        results.append(r)
        for line in _lines(r):
            print(line, flush=True)
    head = results[0]
    data = {
        "benchmark": NAME,
        "headline": {
            "name": f"coupler_overhead_{head['n_masses']}",
            "ours": head["ours_s_per_macro_step"],
            "peer": head["peer_s_per_macro_step"],
            "ratio": head["ratio_peer_over_ours"],
            "unit": "s/macro-step",
            "target_ratio": TARGET_RATIO,
            "meets_target": head["meets_target"],
        },
        "ours": "MultirateChain(m, k, x0, v0, macro_dt, substeps).coupler.run(t_end)",
        "peer": "benchmarks.coupler_overhead.peer_multirate (same arithmetic, plain NumPy loop)",
        "case": {"chain": "build_chain(n, 0.1, 100.0, 1.0, 1.0)",
                 "x0": f"Gaussian pulse at n/4, width {PULSE_WIDTH} masses", "v0": "0"},
        "sizes": results,
        "machine": machine_info(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = write_json(NAME, data)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
