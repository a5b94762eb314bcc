"""Hybrid stochastic/deterministic simulation of a reaction network with a switching policy.

Each species is, at any moment, **discrete** (integer copy number, changed only by
reactions that fire as random events) or **continuous** (a real copy number following
the rate equations). A reaction whose net change touches only continuous species is
integrated as an ODE term; every other reaction fires as an event, and its
propensity varies in time with the continuous species it reads. The next event is
found exactly for time-varying propensities by the integrated-propensity (random
time change) method: draw ``E ~ Exp(1)``, integrate ``A' = sum_{discrete j} h_j(x(t))``
with the ODE (classical RK4) and fire when ``A`` reaches ``E``, the crossing located
inside the step by a secant refinement (Haseltine & Rawlings 2002, J. Chem. Phys.
117, 6959; Salis & Kaznessis 2005, J. Chem. Phys. 122, 054103).

Switching policy (:class:`HybridPolicy`)
----------------------------------------
The rule of GillesPy2's ``TauHybridSolver`` is the starting point: a species is
continuous when its copy number is at least ``min_copies`` and the coefficient of
variation of its expected change over ``horizon`` is at most ``cv_max``,

.. math:: \\mathrm{CV}_i = \\frac{\\sqrt{\\tau \\sum_j v_{ij}^2 h_j}}{x_i},

the Poisson standard deviation of the change over ``tau = horizon`` (s) relative to the
current copy number (``v_ij`` the net stoichiometry). Species may be pinned
discrete or continuous (``discrete=``, ``continuous=``). The rule is re-evaluated after
every ODE step and every event.

Switching back without a spurious zero: a continuous value ``y`` that becomes discrete
is rounded **stochastically**, to ``floor(y) + 1`` with probability ``y - floor(y)``
and to ``floor(y)`` otherwise, so the mean is preserved exactly and a small
population is not truncated to 0 (the known failure of deterministic rounding or
flooring; GillesPy2 issue #832-style extinction of decaying species).

Diagnostics: the largest CV and the smallest copy number any species had while
continuous (at the policy checks), returned with the thresholds as
:class:`~scaleweave.core.checks.Validity` entries (:meth:`HybridResult.validity`).

Kernels see SI floats: copy numbers, rate constants in 1/s, times in s.

The policy, the kernel that applies it and the result that reports its diagnostics
are one module because the kernel's arguments are the policy's fields and the
result's diagnostics are the kernel's outputs: they change together.
"""

# Numba kernels draw from its per-thread legacy generator (np.random.seed/random):
# a Generator object cannot be reseeded per trajectory inside prange. Hence:
# ruff: noqa: NPY002

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from scaleweave.core.checks import Validity
from scaleweave.engines.kinetics.reaction_network import ReactionNetwork
from scaleweave.engines.kinetics.ssa import (
    check_output_times,
    serial_and_parallel,
    trajectory_seeds,
)
from scaleweave.errors import ConfigError, ModelError

__all__ = [
    "HybridPolicy",
    "HybridResult",
    "hybrid_ensemble",
    "hybrid_trajectory",
    "stochastic_round",
]

AUTO, DISCRETE, CONTINUOUS = -1, 0, 1


@dataclass(frozen=True)
class HybridPolicy:
    """When a species is treated as continuous.

    Parameters
    ----------
    min_copies : float
        Smallest copy number at which a species may be continuous (default 100).
    cv_max : float
        Largest coefficient of variation of the expected change over ``horizon`` for
        a continuous species (default 0.03, GillesPy2's ``switch_tol``).
    horizon : float
        Time (s) over which the expected change is taken (default 1 s).
    discrete, continuous : iterable of str
        Species pinned to one mode whatever the rule says.
    rel_step : float
        Largest relative change of a continuous species per ODE step (accuracy of
        the RK4 integration); the step is also capped by ``dt_max`` (s).
    dt_max : float
        Largest ODE step (s).
    """

    min_copies: float = 100.0
    cv_max: float = 0.03
    horizon: float = 1.0
    discrete: tuple[str, ...] = ()
    continuous: tuple[str, ...] = ()
    rel_step: float = 0.02
    dt_max: float = math.inf

    def __post_init__(self) -> None:
        object.__setattr__(self, "discrete", tuple(self.discrete))
        object.__setattr__(self, "continuous", tuple(self.continuous))
        for name, v in (("min_copies", self.min_copies), ("cv_max", self.cv_max),
                        ("horizon", self.horizon), ("rel_step", self.rel_step),
                        ("dt_max", self.dt_max)):
            if not (isinstance(v, int | float) and v > 0):
                raise ConfigError(f"hybrid policy: {name} must be a positive number, got {v!r}")
        both = set(self.discrete) & set(self.continuous)
        if both:
            raise ConfigError(f"hybrid policy: species {sorted(both)} pinned both discrete "
                              f"and continuous; pin each to one mode")

    def forced(self, net: ReactionNetwork) -> np.ndarray:
        """Per species: ``-1`` rule, ``0`` pinned discrete, ``1`` pinned continuous."""
        out = np.full(net.n_species, AUTO, dtype=np.int64)
        for s in self.discrete:
            out[net.index(s)] = DISCRETE
        for s in self.continuous:
            out[net.index(s)] = CONTINUOUS
        return out


# ----------------------------------------------------------------- kernels
@njit(cache=True)
def stochastic_round_kernel(y: float) -> float:
    """``floor(y) + Bernoulli(y - floor(y))`` for ``y >= 0``: mean-preserving rounding."""
    if y <= 0.0:
        return 0.0
    f = math.floor(y)
    return f + 1.0 if np.random.random() < y - f else f


@njit(cache=True)
def _propensities(x: np.ndarray, cont: np.ndarray, rates: np.ndarray, r_idx: np.ndarray,
                  r_nu: np.ndarray, h: np.ndarray) -> None:
    """Propensities (1/s) for a mixed state: binomial for discrete, ``y^nu/nu!`` else."""
    for j in range(rates.size):
        a = rates[j]
        for k in range(r_idx.shape[1]):
            i = r_idx[j, k]
            if i < 0:
                break
            n = x[i]
            nu = r_nu[j, k]
            if cont[i]:
                n = max(n, 0.0)
                for m in range(nu):
                    a *= n / (m + 1.0)
            else:
                if n < nu:
                    a = 0.0
                    break
                for m in range(nu):
                    a *= (n - m) / (m + 1.0)
        h[j] = a


@njit(cache=True)
def _classify(x: np.ndarray, h: np.ndarray, stoich: np.ndarray, forced: np.ndarray,
              cont: np.ndarray, min_copies: float, cv_max: float, horizon: float,
              diag: np.ndarray) -> bool:
    """Update species modes in place; round switched-back species. True if any changed.

    ``diag[0]`` keeps the largest CV and ``diag[1]`` the smallest copy number seen
    for a continuous species; ``diag[2]`` counts switches.
    """
    n_r, n_s = stoich.shape
    changed = False
    for i in range(n_s):
        var = 0.0
        for j in range(n_r):
            v = stoich[j, i]
            if v != 0.0:
                var += v * v * h[j]
        cv = math.sqrt(horizon * var) / x[i] if x[i] > 0.0 else math.inf
        if forced[i] == 1:
            new = True
        elif forced[i] == 0:
            new = False
        else:
            new = x[i] >= min_copies and cv <= cv_max
        if new:
            if cv > diag[0]:
                diag[0] = cv
            if x[i] < diag[1]:
                diag[1] = x[i]
        if new != cont[i]:
            changed = True
            diag[2] += 1.0
            if not new:
                x[i] = stochastic_round_kernel(x[i])
            cont[i] = new
    return changed


@njit(cache=True)
def _reaction_modes(cont: np.ndarray, c_idx: np.ndarray, ode_r: np.ndarray) -> None:
    """A reaction is an ODE term iff every species it changes is continuous."""
    for j in range(c_idx.shape[0]):
        ok = c_idx[j, 0] >= 0
        for k in range(c_idx.shape[1]):
            i = c_idx[j, k]
            if i < 0:
                break
            if not cont[i]:
                ok = False
                break
        ode_r[j] = ok


@njit(cache=True)
def _rhs(x: np.ndarray, cont: np.ndarray, ode_r: np.ndarray, rates: np.ndarray,
         r_idx: np.ndarray, r_nu: np.ndarray, stoich: np.ndarray, h: np.ndarray,
         dx: np.ndarray) -> float:
    """``dx`` = ODE part of dx/dt (copies/s); returns the discrete propensity sum (1/s)."""
    _propensities(x, cont, rates, r_idx, r_nu, h)
    dx[:] = 0.0
    a_disc = 0.0
    for j in range(rates.size):
        if ode_r[j]:
            for i in range(x.size):
                if stoich[j, i] != 0.0:
                    dx[i] += stoich[j, i] * h[j]
        else:
            a_disc += h[j]
    return a_disc


@njit(cache=True)
def _rk4(x: np.ndarray, dt: float, cont: np.ndarray, ode_r: np.ndarray, rates: np.ndarray,
         r_idx: np.ndarray, r_nu: np.ndarray, stoich: np.ndarray, h: np.ndarray,
         out: np.ndarray, work: np.ndarray) -> float:
    """One RK4 step of the ODE part into ``out``; returns the integral of the discrete
    propensity sum over the step (dimensionless)."""
    n = x.size
    k1, k2, k3, k4, tmp = work[0], work[1], work[2], work[3], work[4]
    a1 = _rhs(x, cont, ode_r, rates, r_idx, r_nu, stoich, h, k1)
    for i in range(n):
        tmp[i] = x[i] + 0.5 * dt * k1[i]
    a2 = _rhs(tmp, cont, ode_r, rates, r_idx, r_nu, stoich, h, k2)
    for i in range(n):
        tmp[i] = x[i] + 0.5 * dt * k2[i]
    a3 = _rhs(tmp, cont, ode_r, rates, r_idx, r_nu, stoich, h, k3)
    for i in range(n):
        tmp[i] = x[i] + dt * k3[i]
    a4 = _rhs(tmp, cont, ode_r, rates, r_idx, r_nu, stoich, h, k4)
    for i in range(n):
        v = x[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
        out[i] = v if v > 0.0 else 0.0
    return dt / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)


@njit(cache=True)
def hybrid_kernel(x0: np.ndarray, rates: np.ndarray, r_idx: np.ndarray, r_nu: np.ndarray,
                  c_idx: np.ndarray, c_amt: np.ndarray, stoich: np.ndarray,
                  t_out: np.ndarray, seed: int, forced: np.ndarray, min_copies: float,
                  cv_max: float, horizon: float, rel_step: float, dt_max: float,
                  max_steps: int, out: np.ndarray, diag: np.ndarray) -> tuple[int, int, bool]:
    """One hybrid trajectory from ``seed`` written into ``out`` (n_times, n_species).

    ``diag`` (length 4) receives max CV while continuous, min copies while continuous,
    number of switches and the time-integrated number of continuous species (s).
    Returns ``(events, ode_steps, finished)``.
    """
    np.random.seed(seed)
    n_s = x0.size
    x = x0.astype(np.float64)
    y = np.empty(n_s)
    work = np.empty((5, n_s))
    h = np.empty(rates.size)
    dx = np.empty(n_s)
    cont = np.zeros(n_s, dtype=np.bool_)
    ode_r = np.zeros(rates.size, dtype=np.bool_)
    diag[0] = 0.0
    diag[1] = math.inf
    diag[2] = 0.0
    diag[3] = 0.0
    _propensities(x, cont, rates, r_idx, r_nu, h)
    _classify(x, h, stoich, forced, cont, min_copies, cv_max, horizon, diag)
    diag[2] = 0.0
    _reaction_modes(cont, c_idx, ode_r)
    t = 0.0
    k = 0
    n_t = t_out.size
    target = -math.log(1.0 - np.random.random())
    acc = 0.0
    events = 0
    steps = 0
    while True:
        while k < n_t and t_out[k] <= t:
            out[k, :] = x
            k += 1
        if k >= n_t:
            break
        if steps + events >= max_steps:
            return events, steps, False
        a_disc = _rhs(x, cont, ode_r, rates, r_idx, r_nu, stoich, h, dx)
        # ODE step: relative change <= rel_step per continuous species, <= dt_max,
        # and land exactly on the next output time.
        dt = min(dt_max, t_out[k] - t)
        any_ode = False
        for i in range(n_s):
            if cont[i] and dx[i] != 0.0:
                any_ode = True
                dt = min(dt, rel_step * max(x[i], 1.0) / abs(dx[i]))
        if not any_ode:
            # Propensities constant until the next event: exact waiting time.
            if a_disc <= 0.0:
                t = t_out[k]
                continue
            wait = (target - acc) / a_disc
            if t + wait >= t_out[k]:
                acc += a_disc * (t_out[k] - t)
                t = t_out[k]
                continue
            t += wait
            fired_at = True
        else:
            steps += 1
            d_acc = _rk4(x, dt, cont, ode_r, rates, r_idx, r_nu, stoich, h, y, work)
            fired_at = acc + d_acc >= target and d_acc > 0.0
            if fired_at:
                # secant refinement of the crossing time inside the step
                lo, hi = 0.0, dt
                a_lo, a_hi = acc, acc + d_acc
                frac = dt
                for _ in range(4):
                    frac = lo + (hi - lo) * (target - a_lo) / (a_hi - a_lo)
                    a_mid = acc + _rk4(x, frac, cont, ode_r, rates, r_idx, r_nu, stoich, h,
                                       y, work)
                    if abs(a_mid - target) < 1e-10 * (1.0 + target):
                        break
                    if a_mid < target:
                        lo, a_lo = frac, a_mid
                    else:
                        hi, a_hi = frac, a_mid
                dt = frac
            for i in range(n_s):
                if cont[i]:
                    diag[3] += dt
            x[:] = y
            if dt >= t_out[k] - t:
                t = t_out[k]
            else:
                t += dt
            acc += d_acc
        if fired_at:
            _propensities(x, cont, rates, r_idx, r_nu, h)
            total = 0.0
            for j in range(rates.size):
                if not ode_r[j]:
                    total += h[j]
            if total > 0.0:
                u = total * np.random.random()
                s = 0.0
                chosen = -1
                for j in range(rates.size):
                    if not ode_r[j] and h[j] > 0.0:
                        chosen = j
                        s += h[j]
                        if s > u:
                            break
                for m in range(c_idx.shape[1]):
                    i = c_idx[chosen, m]
                    if i < 0:
                        break
                    x[i] += c_amt[chosen, m]
                    if x[i] < 0.0:
                        x[i] = 0.0
                events += 1
            target = -math.log(1.0 - np.random.random())
            acc = 0.0
        _propensities(x, cont, rates, r_idx, r_nu, h)
        if _classify(x, h, stoich, forced, cont, min_copies, cv_max, horizon, diag):
            _reaction_modes(cont, c_idx, ode_r)
    return events, steps, True


def _hybrid(x0, rates, r_idx, r_nu, c_idx, c_amt, stoich, t_out, seeds, forced, min_copies,
            cv_max, horizon, rel_step, dt_max, max_steps):  # pragma: no cover - compiled
    n = seeds.size
    out = np.zeros((n, t_out.size, x0.size))
    diag = np.zeros((n, 4))
    counts = np.zeros((n, 2), dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for r in prange(n):
        e, s, f = hybrid_kernel(x0, rates, r_idx, r_nu, c_idx, c_amt, stoich, t_out,
                                seeds[r], forced, min_copies, cv_max, horizon, rel_step,
                                dt_max, max_steps, out[r], diag[r])
        counts[r, 0] = e
        counts[r, 1] = s
        ok[r] = f
    return out, diag, counts, ok


_hybrid_serial, _hybrid_parallel = serial_and_parallel(_hybrid)


@njit(cache=True)
def _round_many(y: np.ndarray, seed: int) -> np.ndarray:
    np.random.seed(seed)
    out = np.empty_like(y)
    for i in range(y.size):
        out[i] = stochastic_round_kernel(y[i])
    return out


def stochastic_round(y: np.ndarray, seed: int) -> np.ndarray:
    """Mean-preserving stochastic rounding of non-negative values (what a switch back does).

    Parameters
    ----------
    y : array_like
        Non-negative real copy numbers.
    seed : int
        Seed of the draws.

    Returns
    -------
    ndarray of float64
        ``floor(y) + 1`` with probability ``y - floor(y)``, else ``floor(y)``.
    """
    y = np.asarray(y, dtype=np.float64)
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        raise ConfigError("stochastic rounding needs finite copy numbers >= 0")
    return _round_many(y.ravel(), int(seed)).reshape(y.shape)


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class HybridResult:
    """Trajectories of a hybrid ensemble and its switching diagnostics.

    Attributes
    ----------
    counts : ndarray, shape (n, n_times, n_species)
        Copy numbers at the output times (real for continuous species).
    events : ndarray of int64, shape (n,)
        Reactions fired as events per trajectory.
    ode_steps : ndarray of int64, shape (n,)
        RK4 steps per trajectory.
    max_cv : float
        Largest CV of expected change any species had while continuous.
    min_continuous_copies : float
        Smallest copy number any species had while continuous (inf: none was).
    switches : int
        Mode switches over the ensemble.
    policy : HybridPolicy
    """

    counts: np.ndarray
    events: np.ndarray
    ode_steps: np.ndarray
    max_cv: float
    min_continuous_copies: float
    switches: int
    policy: HybridPolicy

    def validity(self) -> list[Validity]:
        """The switching thresholds as validity diagnostics (CV and copy number)."""
        return [
            Validity("hybrid switching", "max CV of expected change while continuous",
                     self.max_cv, self.policy.cv_max, "le"),
            Validity("hybrid switching", "min copy number while continuous",
                     self.min_continuous_copies, self.policy.min_copies, "ge"),
        ]


def _prepare(net: ReactionNetwork, t_out: np.ndarray, x0, policy: HybridPolicy | None):
    policy = policy or HybridPolicy()
    t = check_output_times(t_out)
    state = net.initial_state(x0)
    rates, r_idx, r_nu, c_idx, c_amt = net.kernel_arrays()
    stoich = net.stoichiometry.astype(np.float64)
    return policy, t, state, (rates, r_idx, r_nu, c_idx, c_amt, stoich)


def hybrid_ensemble(net: ReactionNetwork, t_out: np.ndarray, n: int, root_seed: int, *,
                    policy: HybridPolicy | None = None, x0=None, parallel: bool = False,
                    max_steps: int = 10**9) -> HybridResult:
    """``n`` hybrid trajectories; trajectory ``i`` seeded by :func:`trajectory_seeds` ``[i]``.

    Parameters
    ----------
    net : ReactionNetwork
        The network (stochastic rate constants, 1/s per combination).
    t_out : ndarray
        Output times (s), non-decreasing, from 0.
    n, root_seed : int
        Trajectories and ensemble root seed.
    policy : HybridPolicy, optional
        Switching rule and integration accuracy (default :class:`HybridPolicy`).
    x0 : mapping or ndarray, optional
        Initial copy numbers (default the network's).
    parallel : bool
        Numba threads; results identical to serial (each trajectory reseeds).
    max_steps : int
        Refuse more ODE steps plus events than this per trajectory (ModelError).

    Returns
    -------
    HybridResult

    Examples
    --------
    >>> from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
    >>> net = ReactionNetwork({"X": 0}, [Reaction({}, {"X": 1}, 1000.0),
    ...                                  Reaction({"X": 1}, {}, 1.0)])
    >>> res = hybrid_ensemble(net, np.array([0.0, 10.0]), 4, root_seed=1)
    >>> bool(abs(res.counts[:, -1, 0].mean() - 1000.0) < 60)
    True
    """
    policy, t, state, arrays = _prepare(net, t_out, x0, policy)
    seeds = trajectory_seeds(root_seed, n)
    kernel = _hybrid_parallel if parallel else _hybrid_serial
    out, diag, counts, ok = kernel(state, *arrays, t, seeds, policy.forced(net),
                                   float(policy.min_copies), float(policy.cv_max),
                                   float(policy.horizon), float(policy.rel_step),
                                   float(policy.dt_max), int(max_steps))
    if not ok.all():
        raise ModelError(f"hybrid trajectory {int(np.flatnonzero(~ok)[0])} took more than "
                         f"max_steps={max_steps} steps and events before t={t[-1]} s; raise "
                         f"max_steps or loosen the policy's rel_step")
    return HybridResult(out, counts[:, 0], counts[:, 1], float(diag[:, 0].max()),
                        float(diag[:, 1].min()), int(diag[:, 2].sum()), policy)


def hybrid_trajectory(net: ReactionNetwork, t_out: np.ndarray, seed: int, *,
                      policy: HybridPolicy | None = None, x0=None) -> HybridResult:
    """One hybrid trajectory from a kernel seed (``counts`` has a leading axis of 1)."""
    policy, t, state, arrays = _prepare(net, t_out, x0, policy)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not (
            0 <= seed < 2**32):
        raise ConfigError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    out, diag, counts, _ = _hybrid_serial(
        state, *arrays, t, np.array([seed], dtype=np.int64), policy.forced(net),
        float(policy.min_copies), float(policy.cv_max), float(policy.horizon),
        float(policy.rel_step), float(policy.dt_max), 10**9)
    return HybridResult(out, counts[:, 0], counts[:, 1], float(diag[0, 0]), float(diag[0, 1]),
                        int(diag[0, 2]), policy)

