"""Explicit tau-leaping with Cao-Gillespie-Petzold step selection, in Numba.

Cao, Gillespie & Petzold (2006), "Efficient step size selection for the tau-leaping
simulation method", J. Chem. Phys. 124, 044109 (eqs. 32-33 for the step, section IV
for critical reactions). One step, from state ``x`` with propensities ``h`` (1/s):

1. Critical reactions: ``h_j > 0`` and fewer than ``n_critical`` firings would exhaust
   a reactant, ``min_{i: v_ij < 0} floor(x_i / |v_ij|) < n_critical``.
2. ``tau' = min_i {max(eps x_i / g_i, 1) / |mu_i|, max(eps x_i / g_i, 1)^2 / sigma_i^2}``
   over reactant species, with ``mu_i = sum_j v_ij h_j`` and
   ``sigma_i^2 = sum_j v_ij^2 h_j`` over non-critical reactions and ``g_i`` from the
   highest order of reaction in which ``i`` is a reactant (their eq. 27).
3. If ``tau' < ssa_factor / a0`` a leap would fire only a few reactions: take
   ``ssa_steps`` exact SSA steps instead.
4. Otherwise ``tau'' ~ Exp(a0_critical)``; leap ``tau = min(tau', tau'')``: non-critical
   reactions fire ``Poisson(h_j tau)`` times, and one critical reaction (chosen with
   probability ``h_j / a0_critical``) fires if ``tau'' <= tau'``.
5. A leap that would make a population negative is undone and retried with
   ``tau'`` halved, so populations are never negative.

A leap that would cross the next output time is shortened to end on it (the critical
waiting time is memoryless, so this is exact for the critical part), and the state at
each output time is recorded. Seeding is as in :mod:`scaleweave.engines.kinetics.ssa`: one
integer seed per trajectory, reseeded at its start, so ensembles are reproducible
whatever the thread count.
"""

# Numba kernels draw from its per-thread legacy generator (np.random.seed/random/poisson):
# a Generator object cannot be reseeded per trajectory inside prange. Hence:
# ruff: noqa: NPY002

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from scaleweave.engines.kinetics.reaction_network import ReactionNetwork
from scaleweave.engines.kinetics.ssa import (
    DEFAULT_MAX_EVENTS,
    check_output_times,
    direct_step,
    fire,
    propensities_kernel,
    serial_and_parallel,
    trajectory_seeds,
)
from scaleweave.errors import ConfigError, ModelError

__all__ = [
    "cao_tau",
    "highest_order",
    "tau_leap_ensemble",
    "tau_leap_trajectory",
]


def highest_order(net: ReactionNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Per species: highest order of reaction it is a reactant of, and its count there.

    Returns
    -------
    hor : ndarray of int64, shape (n_species,)
        0 when the species is never a reactant.
    hor_nu : ndarray of int64, shape (n_species,)
        The largest ``nu_ij`` among reactions of order ``hor[i]``.
    """
    hor = np.zeros(net.n_species, dtype=np.int64)
    hor_nu = np.zeros(net.n_species, dtype=np.int64)
    for j in range(net.n_reactions):
        order = int(net.reactant_orders[j])
        for i in np.flatnonzero(net.reactant_matrix[j]):
            nu = int(net.reactant_matrix[j, i])
            if order > hor[i] or (order == hor[i] and nu > hor_nu[i]):
                hor[i], hor_nu[i] = order, nu
    return hor, hor_nu


@njit(cache=True)
def _g(hor: int, nu: int, x: int) -> float:
    """Cao et al. (2006) eq. 27; returns inf where x is too small (then the bound is 1)."""
    if hor == 1:
        return 1.0
    if hor == 2:
        if nu == 1:
            return 2.0
        return 2.0 + 1.0 / (x - 1.0) if x > 1 else math.inf
    if hor == 3:
        if nu == 1:
            return 3.0
        if nu == 2:
            return 1.5 * (2.0 + 1.0 / (x - 1.0)) if x > 1 else math.inf
        return 3.0 + 1.0 / (x - 1.0) + 2.0 / (x - 2.0) if x > 2 else math.inf
    return float(hor)  # higher orders: the order itself (first-order approximation)


@njit(cache=True)
def cao_tau(x: np.ndarray, h: np.ndarray, critical: np.ndarray, c_idx: np.ndarray,
            c_amt: np.ndarray, hor: np.ndarray, hor_nu: np.ndarray, eps: float) -> float:
    """Step ``tau'`` (s) of Cao et al. (2006) eq. 33 over the non-critical reactions.

    Parameters
    ----------
    x : ndarray of int64
        State (copies).
    h : ndarray of float64
        Propensities (1/s).
    critical : ndarray of bool
        Reactions excluded from ``mu`` and ``sigma^2``.
    eps : float
        Bound on the relative change of each propensity over the step.

    Returns
    -------
    float
        ``inf`` when no non-critical reaction changes a reactant species.
    """
    n_s = x.size
    mu = np.zeros(n_s)
    sig2 = np.zeros(n_s)
    for j in range(h.size):
        if critical[j] or h[j] <= 0.0:
            continue
        for k in range(c_idx.shape[1]):
            i = c_idx[j, k]
            if i < 0:
                break
            v = c_amt[j, k]
            mu[i] += v * h[j]
            sig2[i] += v * v * h[j]
    tau = math.inf
    for i in range(n_s):
        if hor[i] == 0:
            continue
        g = _g(hor[i], hor_nu[i], x[i])
        bound = max(eps * x[i] / g, 1.0)
        if mu[i] != 0.0:
            tau = min(tau, bound / abs(mu[i]))
        if sig2[i] > 0.0:
            tau = min(tau, bound * bound / sig2[i])
    return tau


@njit(cache=True)
def tau_leap_into(out: np.ndarray, stats: np.ndarray, x0: np.ndarray, rates: np.ndarray,
                  r_idx: np.ndarray, r_nu: np.ndarray, c_idx: np.ndarray, c_amt: np.ndarray,
                  hor: np.ndarray, hor_nu: np.ndarray, t_out: np.ndarray, seed: int,
                  eps: float, n_critical: int, ssa_factor: float, ssa_steps: int,
                  max_events: int) -> bool:
    """One tau-leaping trajectory from ``seed`` written into ``out`` (n_times, n_species).

    ``stats`` receives ``[reactions fired, leaps, SSA steps, rejected leaps]``.
    Returns False if ``max_events`` firings were exceeded (rows not reached untouched).
    """
    np.random.seed(seed)
    n_r = rates.size
    x = x0.copy()
    trial = x0.copy()
    h = np.empty(n_r)
    critical = np.zeros(n_r, dtype=np.bool_)
    fires = np.zeros(n_r, dtype=np.int64)
    n_t = t_out.size
    t = 0.0
    k = 0
    events = 0
    leaps = 0
    ssa_done = 0
    rejected = 0
    while k < n_t and t_out[k] <= t:
        out[k, :] = x
        k += 1
    while k < n_t:
        if events > max_events:
            stats[0], stats[1], stats[2], stats[3] = events, leaps, ssa_done, rejected
            return False
        a0 = propensities_kernel(x, rates, r_idx, r_nu, h)
        if a0 <= 0.0:
            while k < n_t:
                out[k, :] = x
                k += 1
            break
        a0c = 0.0
        for j in range(n_r):
            critical[j] = False
            if h[j] <= 0.0:
                continue
            for m in range(c_idx.shape[1]):
                i = c_idx[j, m]
                if i < 0:
                    break
                if c_amt[j, m] < 0 and x[i] // (-c_amt[j, m]) < n_critical:
                    critical[j] = True
                    break
            if critical[j]:
                a0c += h[j]
        tau1 = cao_tau(x, h, critical, c_idx, c_amt, hor, hor_nu, eps)
        if tau1 < ssa_factor / a0:
            # a leap would fire only a few reactions: exact SSA steps instead
            for _ in range(ssa_steps):
                t, k, fired = direct_step(x, h, a0, t, k, out, t_out, c_idx, c_amt)
                if not fired:
                    break
                events += 1
                ssa_done += 1
                a0 = propensities_kernel(x, rates, r_idx, r_nu, h)
                if a0 <= 0.0:
                    break
            continue
        while True:
            tau2 = -math.log(1.0 - np.random.random()) / a0c if a0c > 0.0 else math.inf
            crit_fires = tau2 <= tau1
            tau = tau2 if crit_fires else tau1
            if t + tau >= t_out[k]:
                tau = t_out[k] - t
                crit_fires = False
            for j in range(n_r):
                fires[j] = 0
                if not critical[j] and h[j] > 0.0:
                    fires[j] = np.random.poisson(h[j] * tau)
            if crit_fires:
                fires[select_reaction_masked(h, critical, a0c * np.random.random())] += 1
            trial[:] = x
            for j in range(n_r):
                if fires[j] > 0:
                    fire(trial, j, c_idx, c_amt, fires[j])
            negative = False
            for i in range(trial.size):
                if trial[i] < 0:
                    negative = True
                    break
            if not negative:
                break
            rejected += 1
            tau1 *= 0.5
        x[:] = trial
        t += tau
        leaps += 1
        for j in range(n_r):
            events += fires[j]
        while k < n_t and t_out[k] <= t:
            out[k, :] = x
            k += 1
    stats[0], stats[1], stats[2], stats[3] = events, leaps, ssa_done, rejected
    return True


@njit(cache=True)
def select_reaction_masked(h: np.ndarray, mask: np.ndarray, target: float) -> int:
    """:func:`~scaleweave.engines.kinetics.ssa.select_reaction` over the ``mask`` reactions."""
    acc = 0.0
    last = -1
    for j in range(h.size):
        if mask[j] and h[j] > 0.0:
            last = j
            acc += h[j]
            if acc > target:
                return j
    return last


def _tau(x0, rates, r_idx, r_nu, c_idx, c_amt, hor, hor_nu, t_out, seeds, eps, n_critical,
         ssa_factor, ssa_steps, max_events):  # pragma: no cover - compiled
    n = seeds.size
    out = np.zeros((n, t_out.size, x0.size), dtype=np.int64)
    stats = np.zeros((n, 4), dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        ok[i] = tau_leap_into(out[i], stats[i], x0, rates, r_idx, r_nu, c_idx, c_amt, hor,
                              hor_nu, t_out, seeds[i], eps, n_critical, ssa_factor, ssa_steps,
                              max_events)
    return out, stats, ok


_tau_serial, _tau_parallel = serial_and_parallel(_tau)


def _check(eps: float, n_critical: int, ssa_factor: float, ssa_steps: int) -> None:
    if not 0 < eps < 1:
        raise ConfigError(f"tau-leaping eps must be in (0, 1) (typically 0.03), got {eps!r}")
    if n_critical < 0:
        raise ConfigError(f"n_critical must be >= 0 (typically 10), got {n_critical!r}")
    if not ssa_factor >= 0:
        raise ConfigError(f"ssa_factor must be >= 0 (typically 10), got {ssa_factor!r}")
    if ssa_steps < 1:
        raise ConfigError(f"ssa_steps must be >= 1 (typically 100), got {ssa_steps!r}")


def tau_leap_ensemble(net: ReactionNetwork, t_out: np.ndarray, n: int, root_seed: int, *,
                      eps: float = 0.03, n_critical: int = 10, ssa_factor: float = 10.0,
                      ssa_steps: int = 100, parallel: bool = False,
                      x0: np.ndarray | None = None, max_events: int = DEFAULT_MAX_EVENTS
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` tau-leaping trajectories; trajectory ``i`` seeded with ``trajectory_seeds(...)[i]``.

    Parameters
    ----------
    net : ReactionNetwork
        The network.
    t_out : ndarray, shape (n_times,)
        Output times (s), non-decreasing, from 0; the state at each is recorded.
    n, root_seed : int
        Trajectories and ensemble root seed.
    eps : float
        Cao et al.'s error-control parameter (relative propensity change per leap).
    n_critical : int
        A reaction within this many firings of exhausting a reactant is critical.
    ssa_factor, ssa_steps : float, int
        When ``tau' < ssa_factor / a0``, take ``ssa_steps`` exact SSA steps instead.
    parallel : bool
        Use Numba threads; identical results to serial.
    x0 : mapping or ndarray, optional
        Initial copy numbers (default the network's).
    max_events : int
        Reactions fired per trajectory before giving up (ModelError).

    Returns
    -------
    counts : ndarray of int64, shape (n, n_times, n_species)
        Never negative.
    stats : ndarray of int64, shape (n, 4)
        Per trajectory: reactions fired, leaps, exact SSA steps, rejected leaps.
    """
    _check(eps, n_critical, ssa_factor, ssa_steps)
    t = check_output_times(t_out)
    seeds = trajectory_seeds(root_seed, n)
    hor, hor_nu = highest_order(net)
    kernel = _tau_parallel if parallel else _tau_serial
    counts, stats, ok = kernel(net.initial_state(x0), *net.kernel_arrays(), hor, hor_nu, t,
                               seeds, float(eps), int(n_critical), float(ssa_factor),
                               int(ssa_steps), int(max_events))
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        raise ModelError(f"tau-leaping trajectory {bad} exceeded max_events={max_events} "
                         f"before t={t[-1]} s; raise max_events or shorten the run")
    return counts, stats


def tau_leap_trajectory(net: ReactionNetwork, t_out: np.ndarray, seed: int, *,
                        eps: float = 0.03, n_critical: int = 10, ssa_factor: float = 10.0,
                        ssa_steps: int = 100, x0: np.ndarray | None = None,
                        max_events: int = DEFAULT_MAX_EVENTS) -> tuple[np.ndarray, np.ndarray]:
    """One tau-leaping trajectory from an integer ``seed`` in ``[0, 2**32)``.

    Parameters are those of :func:`tau_leap_ensemble`. Returns ``counts`` (n_times,
    n_species) and ``stats`` (reactions fired, leaps, SSA steps, rejected leaps).
    """
    _check(eps, n_critical, ssa_factor, ssa_steps)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not (
            0 <= seed < 2**32):
        raise ConfigError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    t = check_output_times(t_out)
    hor, hor_nu = highest_order(net)
    out = np.zeros((t.size, net.n_species), dtype=np.int64)
    stats = np.zeros(4, dtype=np.int64)
    ok = tau_leap_into(out, stats, net.initial_state(x0), *net.kernel_arrays(), hor, hor_nu, t,
                       int(seed), float(eps), int(n_critical), float(ssa_factor),
                       int(ssa_steps), int(max_events))
    if not ok:
        raise ModelError(f"tau-leaping exceeded max_events={max_events} before t={t[-1]} s; "
                         "raise max_events or shorten the run")
    return out, stats
