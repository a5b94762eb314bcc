"""Hybrid stochastic/deterministic engine against closed forms."""

import math

import numpy as np
import pytest

from scaleweave.engines.kinetics.hybrid import (
    HybridPolicy,
    hybrid_ensemble,
    hybrid_trajectory,
    stochastic_round,
)
from scaleweave.engines.kinetics.reaction_network import (
    Reaction,
    ReactionNetwork,
    solve_rate_equations,
)
from scaleweave.errors import ConfigError

KON, KOFF, NU, DELTA = 0.5, 1.0, 10.0, 1.0  # 1/s


def telegraph() -> ReactionNetwork:
    return ReactionNetwork({"Goff": 1, "Gon": 0, "M": 0}, [
        Reaction({"Goff": 1}, {"Gon": 1}, KON),
        Reaction({"Gon": 1}, {"Goff": 1}, KOFF),
        Reaction({"Gon": 1}, {"Gon": 1, "M": 1}, NU),
        Reaction({"M": 1}, {}, DELTA)])


def _var_se(x: np.ndarray) -> tuple[float, float]:
    """Sample variance and its standard error sqrt((m4 - s^4) / n) (any distribution)."""
    d = x - x.mean()
    s2 = float(np.mean(d**2))
    return float(x.var(ddof=1)), math.sqrt((np.mean(d**4) - s2**2) / x.size)


def test_telegraph_pdmp_mean_and_variance():
    # Telegraph gene with bursty production (Peccoud & Ycart 1995, Theor. Pop. Biol. 48,
    # 222): exact SSA mean nu kon/((kon+koff) delta), Fano 1 + X with
    # X = nu koff/((kon+koff)(kon+koff+delta)).
    # Hybrid with the gene discrete and mRNA continuous is the piecewise-deterministic
    # process dM/dt = nu G - delta M. Its stationary moments (derived here): with
    # p = kon/k, k = kon+koff, m = nu p/delta,
    #   d<MG>/dt = nu p - delta<MG> + kon(m - <MG>) - koff<MG> = 0
    #       => <MG> = nu p (delta + kon) / (delta (delta + k)),
    #   d<M^2>/dt = 2 nu <MG> - 2 delta <M^2> = 0 => <M^2> = nu <MG> / delta,
    #   Var = <M^2> - m^2 = m nu koff / (k (k + delta)) = m X,
    # i.e. the SSA variance m (1 + X) minus its Poisson part m. The mean is kept exactly.
    n = 4000
    res = hybrid_ensemble(telegraph(), np.array([0.0, 12.0]), n, root_seed=11,
                          policy=HybridPolicy(discrete=("Goff", "Gon"), continuous=("M",)))
    m = res.counts[:, -1, 2]
    k = KON + KOFF
    mean = NU * KON / (k * DELTA)
    x_fano = NU * KOFF / (k * (k + DELTA))
    var_pdmp, var_ssa = mean * x_fano, mean * (1 + x_fano)  # 8.889, 12.222
    v, se_v = _var_se(m)
    assert abs(m.mean() - mean) < 4 * math.sqrt(v / n)
    assert abs(v - var_pdmp) < 4 * se_v
    assert abs(v - var_ssa) > 8 * se_v  # the Poisson part is gone, as it must be
    assert res.events.mean() > 5 and res.ode_steps.mean() > 100
    # mRNA pinned continuous at a mean of 3 copies: the diagnostic says so.
    assert not all(v.ok for v in res.validity())


def test_no_spurious_zero_when_switching_back():
    # Pure decay X -> 0 (rate 1/s) from 1000: X(t) ~ Binomial(1000, e^{-t}) exactly.
    # Continuous while X >= 50, then discrete after a mean-preserving stochastic round.
    # At t = 7 s: mean 1000 e^{-7} = 0.912 and P(X = 0) = (1 - e^{-7})^1000 = 0.402;
    # rounding down (or integrating on to the crossing of 0.5 and truncating) would give
    # a spurious zero in most trajectories.
    net = ReactionNetwork({"X": 1000}, [Reaction({"X": 1}, {}, 1.0)])
    n = 8000
    t = np.array([0.0, 3.0, 7.0])
    res = hybrid_ensemble(net, t, n, root_seed=5,
                          policy=HybridPolicy(min_copies=50, cv_max=1.0))
    x = res.counts[:, :, 0]
    assert res.switches == n  # every trajectory switched back exactly once
    p = math.exp(-7.0)
    mean, var = 1000 * p, 1000 * p * (1 - p)
    assert abs(x[:, -1].mean() - mean) < 4 * math.sqrt(var / n)
    p0 = (1 - p) ** 1000
    assert abs(np.mean(x[:, -1] == 0) - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)
    assert np.all(x[:, -1] == np.round(x[:, -1]))  # discrete again: whole numbers
    # while continuous (t = 3 s) the mean follows the ODE 1000 e^{-3} (no noise added)
    assert x[:, 1].mean() == pytest.approx(1000 * math.exp(-3.0), rel=2e-3)


def test_stochastic_round_preserves_mean():
    y = np.full(200_000, 0.3)
    r = stochastic_round(y, seed=3)
    assert set(np.unique(r)) == {0.0, 1.0}
    se = math.sqrt(0.3 * 0.7 / y.size)
    assert abs(r.mean() - 0.3) < 4 * se
    with pytest.raises(ConfigError):
        stochastic_round(np.array([-1.0]), seed=1)


def test_birth_death_hybrid_mean_matches_ode():
    # 0 -> X at 1000/s, X -> 0 at 1/s from 0: mean 1000 (1 - e^{-t}) (linear network:
    # the rate equation is exact for the mean). X starts discrete and switches to
    # continuous once its CV over 1 s falls below 0.1.
    net = ReactionNetwork({"X": 0}, [Reaction({}, {"X": 1}, 1000.0),
                                     Reaction({"X": 1}, {}, 1.0)])
    t = np.linspace(0.0, 5.0, 6)
    n = 1000
    res = hybrid_ensemble(net, t, n, root_seed=2, policy=HybridPolicy(cv_max=0.1))
    ode = solve_rate_equations(net, t)[:, 0]
    mean = res.counts[:, :, 0].mean(axis=0)
    # SSA std at most sqrt(1000); the hybrid's is smaller (deterministic once continuous).
    assert np.all(np.abs(mean - ode) < 4 * math.sqrt(1000.0 / n) + 1e-9)
    assert res.switches >= n  # every trajectory went continuous
    assert res.events.mean() < 2000  # most of the 5000 SSA events were integrated
    assert all(v.ok for v in res.validity())


def test_reproducible_serial_parallel_and_single():
    net = telegraph()
    t = np.linspace(0.0, 5.0, 4)
    pol = HybridPolicy(discrete=("Goff", "Gon"), continuous=("M",))
    a = hybrid_ensemble(net, t, 16, root_seed=9, policy=pol)
    b = hybrid_ensemble(net, t, 16, root_seed=9, policy=pol, parallel=True)
    np.testing.assert_array_equal(a.counts, b.counts)
    from scaleweave.engines.kinetics.ssa import trajectory_seeds

    one = hybrid_trajectory(net, t, int(trajectory_seeds(9, 16)[3]), policy=pol)
    np.testing.assert_array_equal(one.counts[0], a.counts[3])


def test_policy_bad_input():
    with pytest.raises(ConfigError, match="cv_max"):
        HybridPolicy(cv_max=-1)
    with pytest.raises(ConfigError, match="both"):
        HybridPolicy(discrete=("M",), continuous=("M",))
    with pytest.raises(ConfigError, match="unknown species"):
        hybrid_ensemble(telegraph(), np.array([0.0, 1.0]), 2, 0,
                        policy=HybridPolicy(continuous=("mRNA",)))
