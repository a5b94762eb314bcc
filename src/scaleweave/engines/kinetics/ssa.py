"""Exact stochastic simulation (Gillespie's direct method) of a reaction network, in Numba.

Gillespie (1977), "Exact stochastic simulation of coupled chemical reactions",
J. Phys. Chem. 81, 2340. Each step draws the waiting time ``tau ~ Exp(a0)`` with
``a0 = sum_j h_j(x)`` (1/s) and the reaction ``j`` with probability ``h_j / a0``;
propensities follow :mod:`scaleweave.engines.kinetics.reaction_network`.

Output sampling: the count recorded at output time ``t_k`` is the state just before
``t_k`` (the state of the interval ``[t_event, t_next_event)`` that contains ``t_k``);
once every propensity is zero the state is absorbing and is copied to the remaining
output times.

Randomness: a trajectory is a function of one integer seed (0 <= seed < 2**32) only.
The SSA kernels run their own MT19937 state per trajectory, seeded as
``np.random.seed(seed)`` and read as ``RandomState(seed).random_sample()`` (bit for
bit: :func:`mt_refill`), two uniforms per event (waiting time, then reaction); no
generator is shared, so the same seed gives the same trajectory in a serial loop, a
``prange`` loop on any number of threads, or a worker process. Ensemble trajectory
``i`` of root seed ``r`` uses :func:`trajectory_seeds` ``(r, n)[i]``, the first 32-bit
word of ``SeedSequence(r).spawn(n)[i]`` (:func:`scaleweave.core.random.sample_seed`).
(:func:`direct_step`, the tau-leap kernels' exact step, draws from Numba's per-thread
``np.random`` generator, which those kernels seed.)

Speed: per event the kernel sums ``a0`` afresh over the stored propensities, draws
two buffered uniforms, searches linearly, fires, and recomputes only the propensities
of reactions whose reactants the fired one changed (a dependency graph), in forms
specialised by order (``c``, ``c x``, ``c x (x - 1)/2``, ``c x y``) with exact integer
binomials. The values are bit for bit those of a full recompute, so the result is that
of the textbook algorithm with the same uniforms.

Kernels written once with ``prange`` are compiled serially and in parallel by
:func:`serial_and_parallel` (also used by the tau-leap and hybrid engines). The
kernels, their random stream and the wrappers that choose their seeds are one module
because the seed contract above spans all three.
"""

# direct_step draws from Numba's per-thread legacy generator (np.random.random), as the
# tau-leap kernels that call it do (np.random.seed/poisson). Hence:
# ruff: noqa: NPY002

from __future__ import annotations

import math
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numba
import numpy as np
from numba import njit, prange

from scaleweave.core.random import sample_seed
from scaleweave.engines.kinetics.reaction_network import ReactionNetwork
from scaleweave.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from scaleweave.core.checkpoint import Checkpoint

__all__ = [
    "ABSORBED",
    "LOWER",
    "MAX_EVENTS",
    "TIMEOUT",
    "UPPER",
    "FirstPassage",
    "check_output_times",
    "first_passage",
    "ssa_ensemble",
    "ssa_trajectory",
    "trajectory_seeds",
]

#: First-passage outcomes: hit the lower bound, hit the upper bound, reached ``t_max``,
#: absorbed elsewhere (every propensity zero), stopped at ``max_events``.
LOWER, UPPER, TIMEOUT, ABSORBED, MAX_EVENTS = 0, 1, 2, 3, 4
_OUTCOME_NAMES = ("lower", "upper", "timeout", "absorbed", "max_events")

DEFAULT_MAX_EVENTS = 10**9


# ----------------------------------------------------------------- kernels
def serial_and_parallel(fn: Callable[..., Any]) -> tuple[Any, Any]:
    """Compile a kernel written once with ``prange`` twice: serial, and on Numba's threads.

    Without ``parallel=True`` Numba compiles ``prange`` as ``range``, so both run the
    same loop. The parallel one is compiled from a copy of ``fn`` named
    ``<name>_parallel``: Numba's on-disk cache is keyed by the function's name and
    bytecode, not by its compile options (numba issue 6845), and would otherwise hand
    whichever compiled first to both.
    """
    twin = types.FunctionType(fn.__code__, fn.__globals__, f"{fn.__name__}_parallel",
                              fn.__defaults__, fn.__closure__)
    twin.__qualname__ = f"{fn.__qualname__}_parallel"
    twin.__doc__ = fn.__doc__
    return njit(cache=True)(fn), njit(cache=True, parallel=True)(twin)


# Propensity forms of the SSA kernels (see reaction_tables).
_CONST, _UNI, _DIMER, _HETERO, _GENERIC = 0, 1, 2, 3, 4

# Mersenne Twister MT19937 (Matsumoto & Nishimura 1998, ACM TOMACS 8, 3) as in NumPy's
# legacy RandomState and Numba's np.random: 624 32-bit words, kept in int64.
_MT_N, _MT_M = 624, 397
_MT_DOUBLES = _MT_N // 2  # one double takes two words


@njit(cache=True)
def mt_seed(seed: int) -> np.ndarray:
    """MT19937 words seeded as by ``np.random.seed(seed)`` (``init_genrand``), int64."""
    mt = np.empty(_MT_N, dtype=np.int64)
    mt[0] = seed & 0xFFFFFFFF
    for i in range(1, _MT_N):
        mt[i] = (1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xFFFFFFFF
    return mt


@njit(cache=True, inline="always")
def _mt_temper(y: int) -> int:
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    return y ^ (y >> 18)


@njit(cache=True)
def mt_refill(mt: np.ndarray, u: np.ndarray) -> None:
    """Next 624 words of ``mt`` (regenerated in place) as 312 doubles in [0, 1) in ``u``.

    Each double is NumPy's ``random_sample``: ``(a 2**26 + b) / 2**53`` from two
    consecutive tempered words ``a >> 5``, ``b >> 6``. A freshly seeded state is read
    from its start, so ``u`` holds exactly the next 312 values of
    ``RandomState(seed).random_sample()``.
    """
    for i in range(_MT_N - _MT_M):
        y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7FFFFFFF)
        mt[i] = mt[i + _MT_M] ^ (y >> 1) ^ ((y & 1) * 0x9908B0DF)
    for i in range(_MT_N - _MT_M, _MT_N - 1):
        y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7FFFFFFF)
        mt[i] = mt[i + _MT_M - _MT_N] ^ (y >> 1) ^ ((y & 1) * 0x9908B0DF)
    y = (mt[_MT_N - 1] & 0x80000000) | (mt[0] & 0x7FFFFFFF)
    mt[_MT_N - 1] = mt[_MT_M - 1] ^ (y >> 1) ^ ((y & 1) * 0x9908B0DF)
    for p in range(_MT_DOUBLES):
        # a < 2**27, b < 2**26: through int32, whose conversion to double vectorises
        a = np.int32(_mt_temper(mt[2 * p]) >> 5)
        b = np.int32(_mt_temper(mt[2 * p + 1]) >> 6)
        u[p] = (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)  # exact: 2**-53


@njit(cache=True)
def mt_uniforms(seed: int, n: int) -> np.ndarray:
    """The first ``n`` uniforms the SSA kernels draw from ``seed`` (for tests)."""
    mt = mt_seed(seed)
    u = np.empty(_MT_DOUBLES)
    out = np.empty(n)
    for i in range(n):
        if i % _MT_DOUBLES == 0:
            mt_refill(mt, u)
        out[i] = u[i % _MT_DOUBLES]
    return out


@njit(cache=True)
def _propensity_generic(j: int, x: np.ndarray, rates: np.ndarray, r_idx: np.ndarray,
                        r_nu: np.ndarray) -> float:
    """``c_j prod_i binom(x_i, nu_ij)`` (1/s) with exact integer binomials."""
    a = rates[j]
    for k in range(r_idx.shape[1]):
        i = r_idx[j, k]
        if i < 0:
            break
        n = x[i]
        c = 1
        for m in range(r_nu[j, k]):
            c = c * (n - m) // (m + 1)  # binom(n, m + 1), exact; 0 once m = n
        a *= c
    return a


@njit(cache=True)
def propensities_kernel(x: np.ndarray, rates: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray,
                        h: np.ndarray) -> float:
    """Fill ``h`` with ``c_j prod_i binom(x_i, nu_ij)`` (1/s); return their sum ``a0``.

    The binomials are exact integers and the product runs over ``c_j`` then the
    reactants by species index, so the values are bit for bit those of the SSA kernels'
    specialised forms and of :meth:`ReactionNetwork.propensities`.
    """
    total = 0.0
    for j in range(rates.size):
        a = _propensity_generic(j, x, rates, r_idx, r_nu)
        h[j] = a
        total += a
    return total


@njit(cache=True)
def select_reaction(h: np.ndarray, target: float) -> int:
    """First ``j`` whose cumulative propensity exceeds ``target`` (last positive on round-off)."""
    acc = 0.0
    last = -1
    for j in range(h.size):
        if h[j] > 0.0:
            last = j
            acc += h[j]
            if acc > target:
                return j
    return last


@njit(cache=True)
def fire(x: np.ndarray, j: int, c_idx: np.ndarray, c_amt: np.ndarray, times: int) -> None:
    """Apply reaction ``j`` ``times`` times to ``x`` in place."""
    for k in range(c_idx.shape[1]):
        i = c_idx[j, k]
        if i < 0:
            break
        x[i] += times * c_amt[j, k]


@njit(cache=True)
def direct_step(x: np.ndarray, h: np.ndarray, a0: float, t: float, k: int, out: np.ndarray,
                t_out: np.ndarray, c_idx: np.ndarray, c_amt: np.ndarray
                ) -> tuple[float, int, int]:
    """One direct-method event on Numba's global generator (the tau-leap kernels' SSA steps).

    Rows ``out[k:]`` whose time ``t_out`` falls before the event get the state just
    before it. Returns ``(t, k, fired)``; ``fired`` is 0 when the waiting time ran
    past the last output time (the event is then not applied).
    """
    t += -math.log(1.0 - np.random.random()) / a0
    while k < t_out.size and t_out[k] <= t:
        out[k, :] = x
        k += 1
    if k >= t_out.size:
        return t, k, 0
    fire(x, select_reaction(h, a0 * np.random.random()), c_idx, c_amt, 1)
    return t, k, 1


@njit(cache=True)
def direct_method(x: np.ndarray, rates: np.ndarray, kind: np.ndarray, s1: np.ndarray,
                  s2: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray, c_idx: np.ndarray,
                  c_amt: np.ndarray, dep_ptr: np.ndarray, dep_idx: np.ndarray,
                  out: np.ndarray, t_out: np.ndarray, species: int, lower: int, upper: int,
                  t_max: float, seed: int, max_events: int) -> tuple[int, float, int]:
    """The direct-method loop shared by trajectories and first passages; ``x`` in place.

    Tables from :func:`reaction_tables`. Per event: ``a0 = sum_j h_j`` summed afresh
    (no running sum, hence no drift), waiting time ``-log(1 - u1) / a0``, reaction by
    linear search for ``a0 u2``, then only the propensities that depend on the fired
    reaction are recomputed. ``u1, u2, ...`` are the seed's ``random_sample`` stream
    (:func:`mt_refill`). Everything is written out in this one function: a call per
    event to a helper taking arrays costs a few ns per call, and Numba's
    ``inline="always"`` of a helper that itself calls out left atomic reference-count
    updates on every array argument (measured: 65 ns per propensity instead of 1 ns).

    Rows of ``out`` get the state just before their time ``t_out`` (all of ``t_out``
    done: ``TIMEOUT`` at time ``t_out[-1]``). With ``species >= 0`` the run stops when
    ``x[species] <= lower`` (``LOWER``) or ``>= upper`` (``UPPER``); with ``t > t_max``
    (``TIMEOUT``, time ``t_max``); once every propensity is zero (``ABSORBED``; the
    state is copied to the remaining rows); before event ``max_events + 1``
    (``MAX_EVENTS``). Returns ``(outcome, time, events)``.
    """
    mt = mt_seed(seed)
    u = np.empty(_MT_DOUBLES)
    p = _MT_DOUBLES
    n_r = rates.size
    h = np.empty(n_r)
    propensities_kernel(x, rates, r_idx, r_nu, h)
    n_t = t_out.size
    k = 0
    t = 0.0
    events = 0
    while True:
        if species >= 0:
            if x[species] <= lower:
                return LOWER, t, events
            if x[species] >= upper:
                return UPPER, t, events
        a0 = 0.0
        for r in range(n_r):
            a0 += h[r]
        if a0 <= 0.0:
            while k < n_t:
                out[k, :] = x
                k += 1
            return ABSORBED, t, events
        if events >= max_events:
            return MAX_EVENTS, t, events
        if p == _MT_DOUBLES:
            mt_refill(mt, u)
            p = 0
        t += -math.log(1.0 - u[p]) / a0
        p += 1
        if t > t_max:
            return TIMEOUT, t_max, events
        if k < n_t and t_out[k] <= t:
            while k < n_t and t_out[k] <= t:
                out[k, :] = x
                k += 1
            if k == n_t:
                return TIMEOUT, t_out[n_t - 1], events
        if p == _MT_DOUBLES:
            mt_refill(mt, u)
            p = 0
        target = a0 * u[p]
        p += 1
        acc = 0.0
        j = -1
        for r in range(n_r):
            if h[r] > 0.0:
                j = r
                acc += h[r]
                if acc > target:
                    break
        for m in range(c_idx.shape[1]):
            i = c_idx[j, m]
            if i < 0:
                break
            x[i] += c_amt[j, m]
        for d in range(dep_ptr[j], dep_ptr[j + 1]):
            r = dep_idx[d]
            kd = kind[r]
            if kd == _UNI:
                h[r] = rates[r] * x[s1[r]]
            elif kd == _DIMER:
                n = x[s1[r]]
                h[r] = rates[r] * ((n * (n - 1)) >> 1)
            elif kd == _HETERO:
                h[r] = rates[r] * x[s1[r]] * x[s2[r]]
            elif kd == _CONST:
                h[r] = rates[r]
            else:
                h[r] = _propensity_generic(r, x, rates, r_idx, r_nu)
        events += 1


@njit(cache=True)
def ssa_into(out: np.ndarray, x0: np.ndarray, rates: np.ndarray, kind: np.ndarray,
             s1: np.ndarray, s2: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray,
             c_idx: np.ndarray, c_amt: np.ndarray, dep_ptr: np.ndarray, dep_idx: np.ndarray,
             t_out: np.ndarray, seed: int, max_events: int) -> tuple[int, bool]:
    """One direct-method trajectory from ``seed`` written into ``out`` (n_times, n_species).

    Returns the number of events and whether it finished (False: ``max_events`` hit,
    rows not reached are left untouched).
    """
    outcome, _, events = direct_method(x0.copy(), rates, kind, s1, s2, r_idx, r_nu, c_idx,
                                       c_amt, dep_ptr, dep_idx, out, t_out, -1, 0, 0, np.inf,
                                       seed, max_events)
    return events, outcome != MAX_EVENTS


@njit(cache=True)
def ssa_kernel(x0: np.ndarray, rates: np.ndarray, kind: np.ndarray, s1: np.ndarray,
               s2: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray, c_idx: np.ndarray,
               c_amt: np.ndarray, dep_ptr: np.ndarray, dep_idx: np.ndarray, t_out: np.ndarray,
               seed: int, max_events: int) -> tuple[np.ndarray, int, bool]:
    """:func:`ssa_into` on a fresh int64 array; returns ``(counts, events, finished)``."""
    out = np.zeros((t_out.size, x0.size), dtype=np.int64)
    events, ok = ssa_into(out, x0, rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt, dep_ptr,
                          dep_idx, t_out, seed, max_events)
    return out, events, ok


def _ensemble(x0, rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt, dep_ptr, dep_idx, t_out,
              seeds, max_events):  # pragma: no cover - compiled
    n = seeds.size
    out = np.zeros((n, t_out.size, x0.size), dtype=np.int64)
    events = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        e, f = ssa_into(out[i], x0, rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt, dep_ptr,
                        dep_idx, t_out, seeds[i], max_events)
        events[i] = e
        ok[i] = f
    return out, events, ok


_ensemble_serial, _ensemble_parallel = serial_and_parallel(_ensemble)


@njit(cache=True)
def first_passage_kernel(x0: np.ndarray, rates: np.ndarray, kind: np.ndarray, s1: np.ndarray,
                         s2: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray,
                         c_idx: np.ndarray, c_amt: np.ndarray, dep_ptr: np.ndarray,
                         dep_idx: np.ndarray, species: int, lower: int, upper: int,
                         t_max: float, seed: int, max_events: int) -> tuple[int, float, int]:
    """Run from ``seed`` until ``x[species] <= lower`` or ``>= upper``, absorption or ``t_max``.

    Returns ``(outcome, time, events)``; ``outcome`` is one of the module's codes,
    ``time`` (s) when it happened (``t_max`` on timeout).
    """
    return direct_method(x0.copy(), rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt, dep_ptr,
                         dep_idx, np.empty((0, x0.size), dtype=np.int64), np.empty(0),
                         species, lower, upper, t_max, seed, max_events)


def _passage(x0, rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt, dep_ptr, dep_idx, species,
             lower, upper, t_max, seeds, max_events):  # pragma: no cover - compiled
    n = seeds.size
    outcome = np.empty(n, dtype=np.int64)
    time = np.empty(n)
    events = np.empty(n, dtype=np.int64)
    for i in prange(n):
        o, s, e = first_passage_kernel(x0, rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt,
                                       dep_ptr, dep_idx, species, lower, upper, t_max,
                                       seeds[i], max_events)
        outcome[i] = o
        time[i] = s
        events[i] = e
    return outcome, time, events


_passage_serial, _passage_parallel = serial_and_parallel(_passage)


# ---------------------------------------------------------------- wrappers
def reaction_tables(net: ReactionNetwork) -> tuple[np.ndarray, ...]:
    """Arrays the SSA kernels take, from :meth:`ReactionNetwork.kernel_arrays`.

    Returns
    -------
    rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt, dep_ptr, dep_idx
        ``kind[j]`` picks the propensity form of reaction ``j``: constant ``c``,
        ``c x_s1``, ``c x_s1 (x_s1 - 1)/2``, ``c x_s1 x_s2`` (``s1 < s2``), or the generic
        product over ``r_idx``/``r_nu``. ``dep_idx[dep_ptr[j]:dep_ptr[j + 1]]`` lists the
        reactions whose propensity changes when ``j`` fires (those with a reactant whose
        count ``j`` changes), so only they are recomputed after it.
    """
    rates, r_idx, r_nu, c_idx, c_amt = net.kernel_arrays()
    n_r = rates.size
    kind = np.full(n_r, _GENERIC, dtype=np.int64)
    s1 = np.zeros(n_r, dtype=np.int64)
    s2 = np.zeros(n_r, dtype=np.int64)
    reactants = []
    for j in range(n_r):
        pairs = [(int(i), int(nu)) for i, nu in zip(r_idx[j], r_nu[j], strict=True) if i >= 0]
        reactants.append({i for i, _ in pairs})
        if not pairs:
            kind[j] = _CONST
        elif len(pairs) == 1 and pairs[0][1] in (1, 2):
            kind[j] = _UNI if pairs[0][1] == 1 else _DIMER
            s1[j] = pairs[0][0]
        elif len(pairs) == 2 and pairs[0][1] == pairs[1][1] == 1:
            kind[j] = _HETERO
            s1[j], s2[j] = pairs[0][0], pairs[1][0]
    deps = []
    for j in range(n_r):
        changed = {int(i) for i, a in zip(c_idx[j], c_amt[j], strict=True) if i >= 0 and a != 0}
        deps.append([r for r in range(n_r) if reactants[r] & changed])
    dep_ptr = np.zeros(n_r + 1, dtype=np.int64)
    dep_ptr[1:] = np.cumsum([len(d) for d in deps])
    dep_idx = np.array([r for d in deps for r in d], dtype=np.int64)
    return rates, kind, s1, s2, r_idx, r_nu, c_idx, c_amt, dep_ptr, dep_idx


def trajectory_seeds(root_seed: int, n: int) -> np.ndarray:
    """Kernel seeds of an ensemble: one per trajectory, from the spawned children of the root.

    Trajectory ``i`` gets the first word of ``SeedSequence(root_seed).spawn(n)[i]``.

    Parameters
    ----------
    root_seed : int
        The ensemble's root seed (>= 0).
    n : int
        Number of trajectories.

    Returns
    -------
    ndarray of int64, shape (n,)
        Seeds in ``[0, 2**32)``; entry ``i`` does not depend on ``n``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ConfigError(f"number of trajectories must be a positive integer, got {n!r}")
    return np.array([sample_seed(root_seed, i).generate_state(1, np.uint32)[0]
                     for i in range(int(n))], dtype=np.int64)


def check_output_times(t_out: np.ndarray) -> np.ndarray:
    """The output times ``t_out`` as float64, checked: 1-D, non-empty, finite, >= 0 s, sorted."""
    t = np.asarray(t_out, dtype=np.float64)
    if (t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or t[0] < 0
            or np.any(np.diff(t) < 0)):
        raise ConfigError("output times must be a non-empty 1-D array of finite, "
                          "non-decreasing times >= 0 s")
    return t


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not (
            0 <= seed < 2**32):
        raise ConfigError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    return int(seed)


def ssa_trajectory(net: ReactionNetwork, t_out: np.ndarray, seed: int, *,
                   x0: np.ndarray | None = None,
                   max_events: int = DEFAULT_MAX_EVENTS) -> tuple[np.ndarray, int]:
    """One exact SSA trajectory sampled at ``t_out``.

    Parameters
    ----------
    net : ReactionNetwork
        The network.
    t_out : ndarray, shape (n_times,)
        Output times (s), non-decreasing, from 0.
    seed : int
        Kernel seed in ``[0, 2**32)``; the trajectory depends on nothing else.
    x0 : mapping or ndarray, optional
        Initial copy numbers (default the network's).
    max_events : int
        Refuse to run longer than this many events (ModelError).

    Returns
    -------
    counts : ndarray of int64, shape (n_times, n_species)
        State just before each output time.
    n_events : int
        Reactions fired up to the last output time.
    """
    t = check_output_times(t_out)
    counts, events, ok = ssa_kernel(net.initial_state(x0), *reaction_tables(net), t,
                                    _check_seed(seed), int(max_events))
    if not ok:
        raise ModelError(f"SSA stopped after max_events={max_events} events before "
                         f"t={t[-1]} s; raise max_events or shorten the run")
    return counts, int(events)


def ssa_ensemble(net: ReactionNetwork, t_out: np.ndarray, n: int, root_seed: int, *,
                 parallel: bool = False, x0: np.ndarray | None = None,
                 max_events: int = DEFAULT_MAX_EVENTS,
                 checkpoint: Checkpoint | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` independent SSA trajectories, trajectory ``i`` from :func:`trajectory_seeds` ``[i]``.

    Parameters
    ----------
    net, t_out, x0, max_events
        As in :func:`ssa_trajectory` (``max_events`` per trajectory).
    n : int
        Number of trajectories.
    root_seed : int
        Ensemble root seed.
    parallel : bool
        Run trajectories on Numba's threads (``prange``); the result is identical to
        the serial one, whatever the thread count.
    checkpoint : Checkpoint, optional
        Run the trajectories in chunks of ``checkpoint.every`` and save the finished
        ones after each chunk; a run started again with the same checkpoint computes
        only the rest, identical to an unbroken run (each trajectory depends on its own
        seed only). Keyed also on the network, times, initial state and seeds, so a
        checkpoint of another ensemble is ignored; removed when the run completes.

    Returns
    -------
    counts : ndarray of int64, shape (n, n_times, n_species)
    n_events : ndarray of int64, shape (n,)
    """
    t = check_output_times(t_out)
    seeds = trajectory_seeds(root_seed, n)
    kernel = _ensemble_parallel if parallel else _ensemble_serial
    x_init, tables = net.initial_state(x0), reaction_tables(net)
    if checkpoint is None:
        counts, events, ok = kernel(x_init, *tables, t, seeds, int(max_events))
    else:
        counts, events, ok = _chunked(kernel, x_init, tables, t, seeds, int(max_events),
                                      checkpoint)
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        raise ModelError(f"SSA trajectory {bad} stopped after max_events={max_events} events "
                         f"before t={t[-1]} s; raise max_events or shorten the run")
    return counts, events


def _chunked(kernel: Any, x_init: np.ndarray, tables: tuple, t: np.ndarray,
             seeds: np.ndarray, max_events: int, checkpoint: Checkpoint
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ensemble kernel over chunks of trajectories, resuming from ``checkpoint``."""
    from scaleweave.core.hashing import content_hash

    fingerprint = content_hash({"kernel": "ssa_ensemble", "x0": x_init, "tables": tables,
                                "t": t, "seeds": seeds, "max_events": max_events})
    saved = checkpoint.load()
    done: list[tuple] = (saved["chunks"] if saved and saved.get("fingerprint") == fingerprint
                         else [])
    step = checkpoint.every
    start = sum(len(c[1]) for c in done)
    while start < seeds.size:
        done.append(kernel(x_init, *tables, t, seeds[start:start + step], max_events))
        start += len(done[-1][1])
        checkpoint.save(len(done), {"fingerprint": fingerprint, "chunks": done})
    checkpoint.clear()
    return tuple(np.concatenate([c[i] for c in done]) for i in range(3))  # type: ignore[return-value]


@dataclass(frozen=True)
class FirstPassage:
    """Outcomes of a first-passage ensemble.

    Attributes
    ----------
    outcome : ndarray of int64, shape (n,)
        ``LOWER``, ``UPPER``, ``TIMEOUT``, ``ABSORBED`` or ``MAX_EVENTS`` per trajectory.
    time : ndarray of float64, shape (n,)
        When the outcome happened (s).
    events : ndarray of int64, shape (n,)
        Reactions fired per trajectory.
    """

    outcome: np.ndarray
    time: np.ndarray
    events: np.ndarray

    def probability(self, outcome: int) -> tuple[float, float]:
        """Fraction of trajectories with ``outcome`` and its binomial standard error."""
        n = self.outcome.size
        p = float(np.mean(self.outcome == outcome))
        return p, math.sqrt(p * (1.0 - p) / n)

    def counts(self) -> dict[str, int]:
        """Number of trajectories per outcome name."""
        return {name: int(np.sum(self.outcome == code))
                for code, name in enumerate(_OUTCOME_NAMES)}


def first_passage(net: ReactionNetwork, species: str, n: int, root_seed: int, *,
                  lower: int = 0, upper: int | None = None, t_max: float = math.inf,
                  parallel: bool = False, x0: np.ndarray | None = None,
                  max_events: int = DEFAULT_MAX_EVENTS) -> FirstPassage:
    """First passage of one species out of ``(lower, upper)``: extinction vs establishment.

    Each trajectory runs until ``x[species] <= lower`` (``LOWER``), ``x[species] >= upper``
    (``UPPER``), every propensity is zero (``ABSORBED``), time ``t_max`` (``TIMEOUT``)
    or ``max_events`` events (``MAX_EVENTS``).

    Parameters
    ----------
    net : ReactionNetwork
        The network.
    species : str
        Species watched.
    n, root_seed : int
        Trajectories and ensemble root seed (seeds as in :func:`ssa_ensemble`).
    lower, upper : int
        Absorbing bounds on the watched copy number (``upper=None``: none).
    t_max : float
        Time limit (s).
    parallel : bool
        Use Numba threads; results identical to serial.

    Examples
    --------
    Establishment of a birth-death process (birth 2/s, death 1/s) from one individual,
    ``1 - d/b = 0.5`` (Kendall 1948):

    >>> from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
    >>> net = ReactionNetwork({"N": 1}, [Reaction({"N": 1}, {"N": 2}, 2.0),
    ...                                  Reaction({"N": 1}, {}, 1.0)])
    >>> fp = first_passage(net, "N", 4000, root_seed=1, upper=200)
    >>> p, se = fp.probability(UPPER)
    >>> bool(abs(p - 0.5) < 4 * se)
    True
    """
    i = net.index(species)
    lo = int(lower)
    hi = np.iinfo(np.int64).max if upper is None else int(upper)
    if hi <= lo:
        raise ConfigError(f"first passage of {species!r}: upper={upper} must exceed "
                          f"lower={lower}")
    if not t_max > 0:
        raise ConfigError(f"first passage of {species!r}: t_max must be > 0 s, got {t_max}")
    seeds = trajectory_seeds(root_seed, n)
    kernel = _passage_parallel if parallel else _passage_serial
    outcome, time, events = kernel(net.initial_state(x0), *reaction_tables(net), i, lo, hi,
                                   float(t_max), seeds, int(max_events))
    return FirstPassage(outcome, time, events)


def thread_count() -> int:
    """Numba threads used by ``parallel=True``."""
    return int(numba.get_num_threads())
