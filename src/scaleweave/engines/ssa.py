"""Exact stochastic simulation (Gillespie's direct method) of a reaction network, in Numba.

Gillespie (1977), "Exact stochastic simulation of coupled chemical reactions",
J. Phys. Chem. 81, 2340. Each step draws the waiting time ``tau ~ Exp(a0)`` with
``a0 = sum_j h_j(x)`` (1/s) and the reaction ``j`` with probability ``h_j / a0``;
propensities follow :mod:`scaleweave.engines.reaction_network`.

Output sampling: the count recorded at output time ``t_k`` is the state just before
``t_k`` (the state of the interval ``[t_event, t_next_event)`` that contains ``t_k``);
once every propensity is zero the state is absorbing and is copied to the remaining
output times.

Randomness: a trajectory is a function of one integer seed (0 <= seed < 2**32) only;
the kernel seeds Numba's per-thread Mersenne Twister with ``np.random.seed(seed)`` at
its start and draws only ``np.random.random()``, so the same seed gives the same
trajectory in a serial loop, a ``prange`` loop on any number of threads, or a
worker process. Ensemble trajectory ``i`` of root seed ``r`` uses
:func:`trajectory_seeds` ``(r, n)[i]``, the first 32-bit word of
``SeedSequence(r).spawn(n)[i]`` (:func:`scaleweave.execution.seeding.sample_seed`).
"""

# Numba kernels draw from its per-thread legacy generator (np.random.seed/random/poisson):
# a Generator object cannot be reseeded per trajectory inside prange. Hence:
# ruff: noqa: NPY002

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from scaleweave.engines.reaction_network import ReactionNetwork
from scaleweave.errors import ConfigError, ModelError
from scaleweave.execution.seeding import sample_seed

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
@njit(cache=True)
def propensities_kernel(x: np.ndarray, rates: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray,
                        h: np.ndarray) -> float:
    """Fill ``h`` with ``c_j prod_i binom(x_i, nu_ij)`` (1/s); return their sum ``a0``."""
    total = 0.0
    for j in range(rates.size):
        a = rates[j]
        for k in range(r_idx.shape[1]):
            i = r_idx[j, k]
            if i < 0:
                break
            n = x[i]
            nu = r_nu[j, k]
            if n < nu:
                a = 0.0
                break
            for m in range(nu):
                a *= (n - m) / (m + 1.0)
        h[j] = a
        total += a
    return total


@njit(cache=True)
def select_reaction(h: np.ndarray, target: float) -> int:
    """First ``j`` with ``h_0 + ... + h_j > target`` (the last positive one on round-off)."""
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
    """One direct-method event: waiting time, output rows passed, then the reaction.

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
def ssa_into(out: np.ndarray, x0: np.ndarray, rates: np.ndarray, r_idx: np.ndarray,
             r_nu: np.ndarray, c_idx: np.ndarray, c_amt: np.ndarray, t_out: np.ndarray,
             seed: int, max_events: int) -> tuple[int, bool]:
    """One direct-method trajectory from ``seed`` written into ``out`` (n_times, n_species).

    Returns the number of events and whether it finished (False: ``max_events`` hit,
    rows not reached are left untouched).
    """
    np.random.seed(seed)
    x = x0.copy()
    h = np.empty(rates.size)
    n_t = t_out.size
    t = 0.0
    k = 0
    events = 0
    while k < n_t:
        a0 = propensities_kernel(x, rates, r_idx, r_nu, h)
        if a0 <= 0.0:
            while k < n_t:
                out[k, :] = x
                k += 1
            break
        if events >= max_events:
            return events, False
        t, k, fired = direct_step(x, h, a0, t, k, out, t_out, c_idx, c_amt)
        events += fired
    return events, True


@njit(cache=True)
def ssa_kernel(x0: np.ndarray, rates: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray,
               c_idx: np.ndarray, c_amt: np.ndarray, t_out: np.ndarray, seed: int,
               max_events: int) -> tuple[np.ndarray, int, bool]:
    """:func:`ssa_into` on a fresh int64 array; returns ``(counts, events, finished)``."""
    out = np.zeros((t_out.size, x0.size), dtype=np.int64)
    events, ok = ssa_into(out, x0, rates, r_idx, r_nu, c_idx, c_amt, t_out, seed, max_events)
    return out, events, ok


@njit(cache=True)
def _ensemble_serial(x0, rates, r_idx, r_nu, c_idx, c_amt, t_out, seeds, max_events):
    n = seeds.size
    out = np.zeros((n, t_out.size, x0.size), dtype=np.int64)
    events = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        events[i], ok[i] = ssa_into(out[i], x0, rates, r_idx, r_nu, c_idx, c_amt, t_out,
                                    seeds[i], max_events)
    return out, events, ok


@njit(cache=True, parallel=True)
def _ensemble_parallel(x0, rates, r_idx, r_nu, c_idx, c_amt, t_out, seeds, max_events):
    n = seeds.size
    out = np.zeros((n, t_out.size, x0.size), dtype=np.int64)
    events = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        e, f = ssa_into(out[i], x0, rates, r_idx, r_nu, c_idx, c_amt, t_out, seeds[i],
                        max_events)
        events[i] = e
        ok[i] = f
    return out, events, ok


@njit(cache=True)
def first_passage_kernel(x0: np.ndarray, rates: np.ndarray, r_idx: np.ndarray,
                         r_nu: np.ndarray, c_idx: np.ndarray, c_amt: np.ndarray, species: int,
                         lower: int, upper: int, t_max: float, seed: int,
                         max_events: int) -> tuple[int, float, int]:
    """Run from ``seed`` until ``x[species] <= lower`` or ``>= upper``, absorption or ``t_max``.

    Returns ``(outcome, time, events)``; ``outcome`` is one of the module's codes,
    ``time`` (s) when it happened (``t_max`` on timeout).
    """
    np.random.seed(seed)
    x = x0.copy()
    h = np.empty(rates.size)
    t = 0.0
    events = 0
    while True:
        if x[species] <= lower:
            return LOWER, t, events
        if x[species] >= upper:
            return UPPER, t, events
        a0 = propensities_kernel(x, rates, r_idx, r_nu, h)
        if a0 <= 0.0:
            return ABSORBED, t, events
        if events >= max_events:
            return MAX_EVENTS, t, events
        t += -math.log(1.0 - np.random.random()) / a0
        if t > t_max:
            return TIMEOUT, t_max, events
        j = select_reaction(h, a0 * np.random.random())
        fire(x, j, c_idx, c_amt, 1)
        events += 1


@njit(cache=True)
def _passage_serial(x0, rates, r_idx, r_nu, c_idx, c_amt, species, lower, upper, t_max, seeds,
                    max_events):
    n = seeds.size
    outcome = np.empty(n, dtype=np.int64)
    time = np.empty(n)
    events = np.empty(n, dtype=np.int64)
    for i in range(n):
        outcome[i], time[i], events[i] = first_passage_kernel(
            x0, rates, r_idx, r_nu, c_idx, c_amt, species, lower, upper, t_max, seeds[i],
            max_events)
    return outcome, time, events


@njit(cache=True, parallel=True)
def _passage_parallel(x0, rates, r_idx, r_nu, c_idx, c_amt, species, lower, upper, t_max, seeds,
                      max_events):
    n = seeds.size
    outcome = np.empty(n, dtype=np.int64)
    time = np.empty(n)
    events = np.empty(n, dtype=np.int64)
    for i in prange(n):
        o, s, e = first_passage_kernel(x0, rates, r_idx, r_nu, c_idx, c_amt, species, lower,
                                       upper, t_max, seeds[i], max_events)
        outcome[i] = o
        time[i] = s
        events[i] = e
    return outcome, time, events


# ---------------------------------------------------------------- wrappers
def trajectory_seeds(root_seed: int, n: int) -> np.ndarray:
    """Kernel seeds of an ensemble: ``SeedSequence(root_seed).spawn(n)[i]``'s first word.

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
    """``t_out`` as float64 after checking: 1-D, non-empty, finite, >= 0 s, non-decreasing."""
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
    counts, events, ok = ssa_kernel(net.initial_state(x0), *net.kernel_arrays(), t,
                                    _check_seed(seed), int(max_events))
    if not ok:
        raise ModelError(f"SSA stopped after max_events={max_events} events before "
                         f"t={t[-1]} s; raise max_events or shorten the run")
    return counts, int(events)


def ssa_ensemble(net: ReactionNetwork, t_out: np.ndarray, n: int, root_seed: int, *,
                 parallel: bool = False, x0: np.ndarray | None = None,
                 max_events: int = DEFAULT_MAX_EVENTS) -> tuple[np.ndarray, np.ndarray]:
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

    Returns
    -------
    counts : ndarray of int64, shape (n, n_times, n_species)
    n_events : ndarray of int64, shape (n,)
    """
    t = check_output_times(t_out)
    seeds = trajectory_seeds(root_seed, n)
    kernel = _ensemble_parallel if parallel else _ensemble_serial
    counts, events, ok = kernel(net.initial_state(x0), *net.kernel_arrays(), t, seeds,
                                int(max_events))
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        raise ModelError(f"SSA trajectory {bad} stopped after max_events={max_events} events "
                         f"before t={t[-1]} s; raise max_events or shorten the run")
    return counts, events


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

    >>> from scaleweave.engines.reaction_network import Reaction, ReactionNetwork
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
    outcome, time, events = kernel(net.initial_state(x0), *net.kernel_arrays(), i, lo, hi,
                                   float(t_max), seeds, int(max_events))
    return FirstPassage(outcome, time, events)


def thread_count() -> int:
    """Numba threads used by ``parallel=True``."""
    return int(numba.get_num_threads())
